"""A client of orderflow in another language, through its own Dapr sidecar.

It places an order through the sidecar's service invocation API, reads it back,
and waits for the order's payment.confirmed event, which reaches it through a
subscription of its own (app-id python-client, so its own Kafka consumer group).
Python's standard library only: anything that speaks HTTP can do the same.

Two roles (docs/security.md): as itself, a trusted service that order-service
knows by its mTLS identity (SERVICE_CALLERS=python-client), it places an order
for a customer and reads it by reference, with no token; forwarding that
customer's bearer token, it acts as the customer, who sees only their own orders.

Environment (set by `npm run example:python`, or by `dapr run` beside it):
  DAPR_HTTP_PORT   its sidecar's HTTP port
  DAPR_API_TOKEN   the sidecar's API token (sent as dapr-api-token), if it has one
  APP_PORT         where this client listens for deliveries from its sidecar
  APP_API_TOKEN    the token its sidecar presents on deliveries, if any
  CUSTOMER_ID      the customer to order for (default: a new one)
  CUSTOMER_TOKEN   that customer's bearer token (`npm run -s token -- <id>`), if any
Prints one JSON line with what it saw; exits 0 when the event arrived in time.
"""

import hmac
import json
import os
import sys
import threading
import urllib.error
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PUBSUB = "kafka-pubsub"
TOPIC = "payment-topic"
DELIVERY_ROUTE = "/payment-confirmed"

DAPR = f"http://127.0.0.1:{os.environ['DAPR_HTTP_PORT']}"
APP_PORT = int(os.environ["APP_PORT"])
DAPR_API_TOKEN = os.environ.get("DAPR_API_TOKEN", "")
APP_API_TOKEN = os.environ.get("APP_API_TOKEN", "")
WAIT_SECONDS = float(os.environ.get("WAIT_SECONDS", "30"))
CUSTOMER_TOKEN = os.environ.get("CUSTOMER_TOKEN", "")

confirmed = {}
arrived = threading.Condition()


def sidecar(method, path, body=None, headers=None):
    """One call to our own sidecar's HTTP API; returns (status, parsed JSON or None)."""
    request = urllib.request.Request(f"{DAPR}{path}", method=method)
    if DAPR_API_TOKEN:
        request.add_header("dapr-api-token", DAPR_API_TOKEN)
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        request.add_header("content-type", "application/json")
    try:
        with urllib.request.urlopen(request, data=data, timeout=15) as response:
            text = response.read()
            return response.status, json.loads(text) if text else None
    except urllib.error.HTTPError as error:
        text = error.read()
        return error.code, json.loads(text) if text else None


class Deliveries(BaseHTTPRequestHandler):
    """What our sidecar calls: its subscription question, and each delivery."""

    def log_message(self, *args):  # keep stdout for the result line
        pass

    def _from_our_sidecar(self):
        if not APP_API_TOKEN:
            return True
        return hmac.compare_digest(self.headers.get("dapr-api-token", ""), APP_API_TOKEN)

    def _answer(self, status, body):
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self):
        if self.path == "/dapr/subscribe" and self._from_our_sidecar():
            # A programmatic subscription: the sidecar asks once at start.
            return self._answer(200, [{"pubsubname": PUBSUB, "topic": TOPIC, "route": DELIVERY_ROUTE}])
        if self.path == "/healthz":
            return self._answer(200, {"status": "ok"})
        return self._answer(404, {"error": "not found"})

    def do_POST(self):
        if self.path != DELIVERY_ROUTE:
            return self._answer(404, {"error": "not found"})
        if not self._from_our_sidecar():
            return self._answer(401, {"error": "only our sidecar may deliver"})
        event = json.loads(self.rfile.read(int(self.headers.get("content-length", "0"))) or b"{}")
        data = event.get("data") or {}
        if event.get("type") == "payment.confirmed" and "orderReference" in data:
            with arrived:
                confirmed[data["orderReference"]] = {"eventId": event.get("id"), **data}
                arrived.notify_all()
        # SUCCESS for every event: this client only listens.
        return self._answer(200, {"status": "SUCCESS"})


def main():
    server = ThreadingHTTPServer(("127.0.0.1", APP_PORT), Deliveries)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    tag = uuid.uuid4().hex[:12]
    customer_id = os.environ.get("CUSTOMER_ID") or f"py-{tag}"
    order = {
        "customer": {"id": customer_id, "firstName": "Guido", "lastName": "van Rossum", "email": f"guido.{tag}@example.com"},
        "items": [{"productId": "snake-1", "name": "Python book", "quantity": 1, "unitPrice": "39.90"}],
        "currency": "EUR",
        "paymentMethod": "PAYPAL",
    }
    status, placed = sidecar(
        "POST", "/v1.0/invoke/order-service/method/orders", order, {"Idempotency-Key": f"py-{tag}"}
    )
    if status not in (201, 202):
        print(json.dumps({"ok": False, "step": "place order", "status": status, "body": placed}))
        return 1
    reference = placed["reference"]

    status, read_back = sidecar("GET", f"/v1.0/invoke/order-service/method/orders/{reference}")
    if status != 200 or read_back["reference"] != reference:
        print(json.dumps({"ok": False, "step": "read back", "status": status, "body": read_back}))
        return 1

    # A header we write ourselves cannot change who we are: our sidecar adds our own app id
    # beside it, and order-service refuses a caller named twice.
    forged_status, _ = sidecar(
        "GET", f"/v1.0/invoke/order-service/method/orders/{reference}", headers={"dapr-caller-app-id": "someone-else"}
    )

    # As the customer: their token, forwarded through our sidecar, lists their own orders.
    listed_as_customer = None
    if CUSTOMER_TOKEN:
        status, page = sidecar(
            "GET", "/v1.0/invoke/order-service/method/orders", headers={"Authorization": f"Bearer {CUSTOMER_TOKEN}"}
        )
        if status != 200:
            print(json.dumps({"ok": False, "step": "list as the customer", "status": status, "body": page}))
            return 1
        listed_as_customer = [item["reference"] for item in page["items"]]

    with arrived:
        arrived.wait_for(lambda: reference in confirmed, timeout=WAIT_SECONDS)
    event = confirmed.get(reference)
    print(
        json.dumps(
            {
                "ok": event is not None,
                "reference": reference,
                "placedStatus": placed["status"],
                "readBack": read_back,
                "listedAsCustomer": listed_as_customer,
                "forgedCallerStatus": forged_status,
                "event": event,
            }
        )
    )
    server.shutdown()
    return 0 if event is not None else 1


if __name__ == "__main__":
    sys.exit(main())
