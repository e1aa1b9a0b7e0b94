"""A Python grpcio client generated from vigil's membrane.proto (with grpcio-tools) runs a Membrane session against a
running `vigil serve`: ingest all five kinds, retrieve with trust, revise, reinforce, read the metrics.

Environment: MEMBRANE_ADDR (host:port), MEMBRANE_API_KEY, PROTO_ROOT (the repository's Protos folder).
Prints `OK` at the end; exits non-zero on any surprise.
"""

import json
import os
import sys
import tempfile

import grpc
from grpc_tools import protoc

out = tempfile.mkdtemp()
root = os.environ["PROTO_ROOT"]
include = os.path.join(os.path.dirname(protoc.__file__), "_proto")
if protoc.main(["protoc", f"-I{root}", f"-I{include}", f"--python_out={out}", f"--grpc_python_out={out}",
                os.path.join(root, "membrane/v1/membrane.proto")]) != 0:
    sys.exit("protoc failed")
sys.path.insert(0, out)
from membrane.v1 import membrane_pb2 as pb  # noqa: E402
from membrane.v1 import membrane_pb2_grpc as rpc  # noqa: E402

channel = grpc.insecure_channel(os.environ["MEMBRANE_ADDR"])
stub = rpc.MembraneServiceStub(channel)
auth = [("authorization", "Bearer " + os.environ["MEMBRANE_API_KEY"])]


def record(response):
    return json.loads(response.record)


try:
    stub.IngestEvent(pb.IngestEventRequest(source="python-client", event_kind="m", ref="r"))
    sys.exit("a call without a key succeeded")
except grpc.RpcError as error:
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED, error

event = record(stub.IngestEvent(pb.IngestEventRequest(
    source="python-client", event_kind="user_message", ref="m1", summary="prefers dark mode"), metadata=auth))
assert event["type"] == "episodic" and event["confidence"] == 0.8, event
tool = record(stub.IngestToolOutput(pb.IngestToolOutputRequest(
    source="python-client", tool_name="grep", args=b'{"q":"x"}', result=b"[1]"), metadata=auth))
assert tool["payload"]["tool_graph"][0]["tool"] == "grep", tool
fact = record(stub.IngestObservation(pb.IngestObservationRequest(
    source="python-client", subject="db", predicate="uses", object=b'"postgres"', sensitivity="medium"), metadata=auth))
assert fact["type"] == "semantic", fact
working = record(stub.IngestWorkingState(pb.IngestWorkingStateRequest(
    source="python-client", thread_id="t1", state="planning", context_summary="ship the dark mode"), metadata=auth))
assert working["type"] == "working", working
outcome = record(stub.IngestOutcome(pb.IngestOutcomeRequest(
    source="python-client", target_record_id=event["id"], outcome_status="success"), metadata=auth))
assert outcome["payload"]["outcome"] == "success", outcome

low = stub.Retrieve(pb.RetrieveRequest(
    task_descriptor="dark mode", trust=pb.TrustContext(max_sensitivity="low"), limit=10), metadata=auth)
records = [json.loads(r) for r in low.records]
assert len(records) == 4, records
assert next(r for r in records if r["id"] == fact["id"])["payload"] is None, "medium at trust low is redacted"
try:
    stub.RetrieveByID(pb.RetrieveByIDRequest(id=fact["id"], trust=pb.TrustContext(max_sensitivity="low")), metadata=auth)
    sys.exit("a record above the trust level was returned")
except grpc.RpcError as error:
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED, error

replacement = {"type": "semantic", "sensitivity": "low", "confidence": 0.9, "salience": 1.0,
               "payload": {"kind": "semantic", "subject": "db", "predicate": "uses", "object": "postgres 16",
                           "evidence": [{"source_type": "python", "source_id": "x", "timestamp": ""}]}}
new = record(stub.Supersede(pb.SupersedeRequest(
    old_id=fact["id"], new_record=json.dumps(replacement).encode(), actor="py", rationale="upgrade"), metadata=auth))
assert new["relations"][0]["predicate"] == "supersedes", new
stub.Reinforce(pb.ReinforceRequest(id=event["id"], actor="py", rationale="useful"), metadata=auth)
stub.Contest(pb.ContestRequest(id=new["id"], contesting_ref="ticket-42", actor="py"), metadata=auth)
metrics = json.loads(stub.GetMetrics(pb.GetMetricsRequest(), metadata=auth).snapshot)
assert metrics["total_records"] == 5 and metrics["records_by_type"]["semantic"] == 2, metrics
assert metrics["retrieval_usefulness"] > 0, metrics
# Checklist 9: a method Membrane later added, which this legacy API does not have → UNIMPLEMENTED.
capture = channel.unary_unary("/membrane.v1.MembraneService/CaptureMemory",
                              request_serializer=lambda b: b, response_deserializer=lambda b: b)
try:
    capture(b"", metadata=auth, timeout=10)
    sys.exit("CaptureMemory was answered")
except grpc.RpcError as error:
    assert error.code() == grpc.StatusCode.UNIMPLEMENTED, error
print("OK", flush=True)
