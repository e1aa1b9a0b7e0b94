"""Checks that a `vigil serve --tls-cert … --tls-key …` speaks TLS on both endpoints, verified against the test's CA.

Environment: MCP_URL (https://…), MEMBRANE_ADDR (host:port), CA_FILE (the PEM the server's certificate chains to),
TRACEMEM_API_KEY, MEMBRANE_API_KEY, PROTO_ROOT. Prints `OK` at the end; exits non-zero on any surprise.
"""

import importlib.util
import json
import os
import ssl
import sys
import tempfile
import urllib.request

import grpc
from grpc_tools import protoc

ca = os.environ["CA_FILE"]

# MCP over HTTPS: the certificate verifies against the CA and the endpoint answers initialize.
context = ssl.create_default_context(cafile=ca)
request = urllib.request.Request(
    os.environ["MCP_URL"] + "/mcp", method="POST",
    data=json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "tls-check", "version": "1"}}}).encode(),
    headers={"Content-Type": "application/json", "Accept": "application/json, text/event-stream",
             "Authorization": "Agent " + os.environ["TRACEMEM_API_KEY"]})
with urllib.request.urlopen(request, context=context, timeout=10) as response:
    body = json.loads(response.read())
assert body["result"]["serverInfo"]["name"], body

# The same endpoint refuses a client that does not trust the certificate: it really is TLS with that certificate.
try:
    urllib.request.urlopen(request, context=ssl.create_default_context(), timeout=10)
    sys.exit("an untrusting client connected")
except urllib.error.URLError as error:
    assert isinstance(error.reason, ssl.SSLError), error

# gRPC over TLS: the health service answers SERVING and an authenticated Retrieve succeeds.
out = tempfile.mkdtemp()
root = os.environ["PROTO_ROOT"]
include = os.path.join(os.path.dirname(protoc.__file__), "_proto")
if protoc.main(["protoc", f"-I{root}", f"-I{include}", f"--python_out={out}", f"--grpc_python_out={out}",
                os.path.join(root, "membrane/v1/membrane.proto"), os.path.join(root, "grpc/health/v1/health.proto")]) != 0:
    sys.exit("protoc failed")
sys.path.insert(0, out)
# The generated health module lives under grpc/…, which the installed grpc package shadows: load it by path.
spec = importlib.util.spec_from_file_location("health_pb2", os.path.join(out, "grpc/health/v1/health_pb2.py"))
health_pb2 = importlib.util.module_from_spec(spec)
spec.loader.exec_module(health_pb2)
from membrane.v1 import membrane_pb2 as pb  # noqa: E402
from membrane.v1 import membrane_pb2_grpc as rpc  # noqa: E402

with open(ca, "rb") as handle:
    credentials = grpc.ssl_channel_credentials(root_certificates=handle.read())
channel = grpc.secure_channel(os.environ["MEMBRANE_ADDR"], credentials)
check = channel.unary_unary(
    "/grpc.health.v1.Health/Check", request_serializer=health_pb2.HealthCheckRequest.SerializeToString,
    response_deserializer=health_pb2.HealthCheckResponse.FromString)
health = check(health_pb2.HealthCheckRequest(service="membrane.v1.MembraneService"), timeout=10)
assert health.status == health_pb2.HealthCheckResponse.SERVING, health
auth = [("authorization", "Bearer " + os.environ["MEMBRANE_API_KEY"])]
reply = rpc.MembraneServiceStub(channel).Retrieve(pb.RetrieveRequest(
    task_descriptor="x", trust=pb.TrustContext(max_sensitivity="low"), limit=1), metadata=auth, timeout=10)
assert list(reply.records) == [], reply
print("OK")
