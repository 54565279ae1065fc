"""Bank transfer between two accounts under one `threading.Lock`: the fix for Compound_01.

The check, the withdrawal and the deposit all happen while holding one lock shared by both
accounts, so no other transfer can read either balance half-way through: the total never
changes. (With one lock per account instead, every transfer must take the two locks in the
same order, e.g. by account number, or two opposite transfers can deadlock.)
"""
import threading

EXPECT = "safe"
ITERATIONS = 10_000
START = 1_000_000


class Account:
    def __init__(self, balance):
        self.balance = balance


class Bank:
    def __init__(self):
        self.a = Account(START)
        self.b = Account(START)
        self.lock = threading.Lock()


def transfer(bank, src, dst, amount):
    with bank.lock:
        if src.balance >= amount:
            src.balance -= amount
            dst.balance += amount


def setup():
    return Bank()


def actor_a_to_b(bank):
    transfer(bank, bank.a, bank.b, 1)


def actor_b_to_a(bank):
    transfer(bank, bank.b, bank.a, 1)


def arbiter(bank):
    return "total kept" if bank.a.balance + bank.b.balance == 2 * START else "total changed"


OUTCOMES = {"total kept": "ACCEPTABLE", "total changed": "FORBIDDEN"}
