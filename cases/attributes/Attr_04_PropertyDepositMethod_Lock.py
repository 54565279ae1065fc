"""`account.deposit(1)`: one lock held for the whole read-modify-write, the fix for Attr_03.

`deposit()` takes the lock once and does the read, the add and the write inside it, so no other
deposit can land in between. The `balance` property stays for reading; updates go through methods
that own the whole read-modify-write.
"""
import threading

EXPECT = "safe"
THREADS = 2
ITERATIONS = 3_000  # short trials: detected in the first one, within a few milliseconds


class Account:
    def __init__(self):
        self._balance = 0
        self._lock = threading.Lock()

    @property
    def balance(self):
        with self._lock:
            return self._balance

    def deposit(self, amount):
        if amount < 0:
            raise ValueError("deposit must be positive")
        with self._lock:
            self._balance += amount


def setup():
    return Account()


def actor(account):
    account.deposit(1)


def arbiter(account):
    return "all deposits kept" if account.balance == THREADS * ITERATIONS else "deposits lost"


OUTCOMES = {"all deposits kept": "ACCEPTABLE", "deposits lost": "FORBIDDEN"}
