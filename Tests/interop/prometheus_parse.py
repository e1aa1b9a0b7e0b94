"""Parses Prometheus text (stdin) with the official client's parser and prints every sample as JSON lines.

The metrics test feeds it vigil's GET /metrics: a format error raises here, and the test reads the samples back.
"""
import json
import sys

from prometheus_client.parser import text_string_to_metric_families

for family in text_string_to_metric_families(sys.stdin.read()):
    for sample in family.samples:
        print(json.dumps({"family": family.name, "type": family.type, "help": family.documentation,
                          "name": sample.name, "labels": sample.labels, "value": sample.value}, sort_keys=True))
