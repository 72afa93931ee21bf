"""A client of orderflow on Dapr's official Python SDK (`dapr` on PyPI), through its own sidecar.

The same four steps as examples/python (standard library only), done with the
SDK: it places an order and reads it back by service invocation
(DaprClient.invoke_method), lists the customer's orders forwarding the
customer's bearer token, and receives the order's payment.confirmed through a
streaming subscription (DaprClient.subscribe, Dapr 1.14+): the sidecar pushes
events over its gRPC connection, so this client runs no server of its own.

It calls as app-id python-client, a trusted service order-service knows by its
mTLS identity (SERVICE_CALLERS in dapr.yaml); see examples/python/README.md.

Environment (set by `npm run example:python-sdk`, or by `dapr run` beside it; the SDK reads the first three):
  DAPR_HTTP_PORT   its sidecar's HTTP port (service invocation)
  DAPR_GRPC_PORT   its sidecar's gRPC port (the subscription stream)
  DAPR_API_TOKEN   the sidecar's API token, if it has one
  CUSTOMER_ID      the customer to order for (default: a new one)
  CUSTOMER_TOKEN   that customer's bearer token (`npm run -s token -- <id>`), if any
Prints one JSON line with what it saw; exits 0 when the event arrived in time.
"""

import json
import os
import sys
import threading
import uuid

from dapr.clients import DaprClient

PUBSUB = "kafka-pubsub"
TOPIC = "payment-topic"
WAIT_SECONDS = float(os.environ.get("WAIT_SECONDS", "30"))
CUSTOMER_TOKEN = os.environ.get("CUSTOMER_TOKEN", "")

confirmed = {}
arrived = threading.Condition()


def listen(subscription):
    """Reads the stream until it closes; keeps every payment.confirmed by order reference."""
    while True:
        try:
            message = subscription.next_message()
        except Exception:  # the stream was closed (main is done) or broke: main reports what arrived
            return
        if message is None:
            continue
        data = message.data()
        if message.type() == "payment.confirmed" and isinstance(data, dict) and "orderReference" in data:
            with arrived:
                confirmed[data["orderReference"]] = {"eventId": message.id(), **data}
                arrived.notify_all()
        # Success for every event: this client only listens.
        subscription.respond_success(message)


def invoke(client, verb, method, body=None, headers=()):
    """One call to order-service through our sidecar; returns (status, parsed JSON or None)."""
    response = client.invoke_method(
        "order-service",
        method,
        data=json.dumps(body) if body is not None else "",
        content_type="application/json" if body is not None else None,
        metadata=tuple(headers),
        http_verb=verb,
    )
    text = response.text()
    return response.status_code, json.loads(text) if text else None


def main():
    tag = uuid.uuid4().hex[:12]
    customer_id = os.environ.get("CUSTOMER_ID") or f"pysdk-{tag}"
    order = {
        "customer": {"id": customer_id, "firstName": "Guido", "lastName": "van Rossum", "email": f"guido.{tag}@example.com"},
        "items": [{"productId": "snake-2", "name": "Python SDK handbook", "quantity": 2, "unitPrice": "12.50"}],
        "currency": "EUR",
        "paymentMethod": "PAYPAL",
    }
    with DaprClient() as client:
        # Subscribe first: the event of the order placed below cannot slip past.
        subscription = client.subscribe(pubsub_name=PUBSUB, topic=TOPIC)
        threading.Thread(target=listen, args=(subscription,), daemon=True).start()
        try:
            return run(client, order, tag)
        finally:
            subscription.close()


def run(client, order, tag):
    status, placed = invoke(client, "POST", "orders", order, [("Idempotency-Key", f"pysdk-{tag}")])
    if status not in (201, 202):
        print(json.dumps({"ok": False, "step": "place order", "status": status, "body": placed}))
        return 1
    reference = placed["reference"]

    # A GET without a body: the SDK names a content type (application/json) all the same.
    status, read_back = invoke(client, "GET", f"orders/{reference}")
    if status != 200 or read_back["reference"] != reference:
        print(json.dumps({"ok": False, "step": "read back", "status": status, "body": read_back}))
        return 1

    listed_as_customer = None
    if CUSTOMER_TOKEN:
        status, page = invoke(client, "GET", "orders", headers=[("Authorization", f"Bearer {CUSTOMER_TOKEN}")])
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
                "event": event,
            }
        )
    )
    return 0 if event is not None else 1


if __name__ == "__main__":
    sys.exit(main())
