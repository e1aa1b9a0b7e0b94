"""The TraceMem approval workflow, driven by the official MCP Python SDK against a running `vigil serve`.

Environment: TRACEMEM_MCP_URL, TRACEMEM_API_KEY, RECEIPT_FILE. Prints `APPROVAL <id>` once it waits for an operator
and `COMMITTED <decision_id>` at the end; exits non-zero on any surprise.
"""

import asyncio
import json
import os
import sys

from mcp import ClientSession
from mcp.client.streamable_http import create_mcp_http_client, streamable_http_client


async def call(session, name, arguments):
    result = await session.call_tool(name, arguments)
    return json.loads(result.content[0].text)


async def main():
    url = os.environ["TRACEMEM_MCP_URL"].rstrip("/") + "/mcp"
    key = os.environ["TRACEMEM_API_KEY"]
    async with create_mcp_http_client(headers={"Authorization": f"Agent {key}"}) as http:
        async with streamable_http_client(url, http_client=http) as streams:
            async with ClientSession(streams[0], streams[1]) as session:
                await session.initialize()
                tools = {tool.name for tool in (await session.list_tools()).tools}
                assert "decision_create" in tools and len(tools) == 15, tools

                # 1. create
                created = await call(session, "decision_create",
                                     {"intent": "billing.discount.grant", "automation_mode": "autonomous"})
                decision = created["decision_id"]
                # 2. read a product
                read = await call(session, "decision_read",
                                  {"decision_id": decision, "product": "orders_read_v1", "purpose": "order_support"})
                assert read["data_ref"].startswith("ref:read:"), read
                # 3. evaluate a policy that yields requires_exception
                evaluation = await call(session, "decision_evaluate", {
                    "decision_id": decision, "policy_id": "discount_cap_v1",
                    "inputs": {"record": {"discount_pct": 15}}})
                assert evaluation["outcome"] == "requires_exception", evaluation
                # 4. request approval
                approval = await call(session, "decision_request_approval",
                                      {"decision_id": decision, "message": "15% for a loyal customer"})
                print("APPROVAL", approval["approval_id"], flush=True)
                # 5–6. an operator approves; poll decision_get until approved (bounded, gently)
                for _ in range(120):
                    state = await call(session, "decision_get", {"decision_id": decision})
                    if state["status"] == "approved":
                        break
                    if state["status"] == "rejected":
                        sys.exit("the operator rejected the request")
                    await asyncio.sleep(1.5)
                else:
                    sys.exit("no approval within 3 minutes")
                # 7. write
                written = await call(session, "decision_write", {
                    "decision_id": decision, "product": "orders_insert", "purpose": "order_support",
                    "mutation": {"data": {"customer_id": "c-42", "amount": 120.0, "discount_pct": 15}},
                    "idempotency_key": "grant-1"})
                assert written["status"] == "executed", written
                # 8. close with commit
                closed = await call(session, "decision_close", {"decision_id": decision, "action": "commit"})
                assert closed["status"] == "committed", closed
                assert closed["writes"][0]["affected_rows"] == 1, closed
                # 9. the receipt, for `vigil receipts verify`
                receipt = await call(session, "decision_receipt", {"decision_id": decision})
                assert receipt["final"] is True, receipt
                with open(os.environ["RECEIPT_FILE"], "w") as out:
                    json.dump(receipt, out)
                print("COMMITTED", decision, flush=True)


asyncio.run(main())
