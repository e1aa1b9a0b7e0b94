#!/usr/bin/env bash
# Regenerates Sources/MembraneProto from Protos/ with protoc (Debian's protobuf-compiler) and the Swift plugins
# built from the pinned packages. The output is committed; builds never run this.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v protoc >/dev/null || { echo "install protoc: apt-get install -y protobuf-compiler" >&2; exit 1; }
swift build -c release --product protoc-gen-swift
swift build -c release --product protoc-gen-grpc-swift-2
bin=$(swift build -c release --show-bin-path)
protoc \
  --plugin=protoc-gen-swift="$bin/protoc-gen-swift" \
  --plugin=protoc-gen-grpc-swift-2="$bin/protoc-gen-grpc-swift-2" \
  -I Protos \
  --swift_out=Sources/MembraneProto --swift_opt=Visibility=Public \
  --grpc-swift-2_out=Sources/MembraneProto --grpc-swift-2_opt=Visibility=Public \
  Protos/membrane/v1/membrane.proto Protos/grpc/health/v1/health.proto
echo "generated: $(ls Sources/MembraneProto)"
