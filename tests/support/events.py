"""What the fake's event list says about some objects, each event checked strictly against the spec."""


def events_about(object_ids: set[str], validator, http) -> list[str]:
    """The types of the events about these objects (by id, PaymentIntent or charge), oldest first, each strictly
    valid, with its object, as the API sends it."""
    found = []
    for raw in http("GET", "/v1/events", params={"limit": 100}).json()["data"][::-1]:
        data = raw["data"]["object"]
        if {data.get("id"), data.get("payment_intent"), data.get("charge")} & object_ids:
            assert validator.validate_object(raw, "event") + validator.validate_object(data, data["object"]) == []
            found.append(raw["type"])
    return found
