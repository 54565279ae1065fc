"""A producer and a consumer as named actors, where the consumer assumes the producer has run:
in the order consumer-then-producer its pop raises IndexError, so the sequential check gives
ERROR naming that order and the pop's line."""
EXPECT = "safe"
SHAPE = "single"


class Box:
    def __init__(self):
        self.items = []
        self.got = None


def setup():
    return Box()


def actor_producer(b):
    b.items.append("parcel")


def actor_consumer(b):
    b.got = b.items.pop()


def arbiter(b):
    return "delivered" if b.got == "parcel" else "lost"


OUTCOMES = {"delivered": "ACCEPTABLE"}
