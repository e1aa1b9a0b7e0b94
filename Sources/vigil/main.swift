import VigilCore
import ArgumentParser
print("hi")
