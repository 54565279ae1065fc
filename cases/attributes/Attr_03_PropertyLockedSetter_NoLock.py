"""`account.balance += 1` on a property whose getter and setter each take a lock.

The locks make each call safe, but `+=` on a property is two calls: the getter returns the balance,
the lock is released, then the setter stores the value plus one. Another thread's deposit can land
between the two, and the setter overwrites it. Locking inside a property does not make a
read-modify-write through it atomic. Fix: Attr_04 (a `deposit()` method that holds the lock for
the whole update).
"""
import threading

EXPECT = "racy"
FIX = "Attr_04_PropertyDepositMethod_Lock"
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

    @balance.setter
    def balance(self, value):
        if value < 0:
            raise ValueError("balance cannot go negative")
        with self._lock:
            self._balance = value


def setup():
    return Account()


def actor(account):
    account.balance += 1  # getter, then setter: two separate critical sections


def arbiter(account):
    return "all deposits kept" if account.balance == THREADS * ITERATIONS else "deposits lost"


OUTCOMES = {"all deposits kept": "ACCEPTABLE", "deposits lost": "FORBIDDEN"}
