"""Bank transfer, `src.balance -= 1; dst.balance += 1`, no lock: money appears or vanishes.

One thread moves money from A to B while the other moves it from B to A, so both threads write
both balances. Each `-=` and `+=` is a separate read-modify-write: when both threads read the
same balance before either writes it back, one update is lost, and the total in the bank is no
longer what it was. Fix: Compound_02, one lock held for the whole transfer.
"""
EXPECT = "racy"
FIX = "Compound_02_BankTransfer_Lock"
ITERATIONS = 10_000
START = 1_000_000  # per account: enough that no transfer is ever refused


class Account:
    def __init__(self, balance):
        self.balance = balance


class Bank:
    def __init__(self):
        self.a = Account(START)
        self.b = Account(START)


def transfer(src, dst, amount):
    if src.balance >= amount:
        src.balance -= amount
        dst.balance += amount


def setup():
    return Bank()


def actor_a_to_b(bank):
    transfer(bank.a, bank.b, 1)


def actor_b_to_a(bank):
    transfer(bank.b, bank.a, 1)


def arbiter(bank):
    return "total kept" if bank.a.balance + bank.b.balance == 2 * START else "total changed"


OUTCOMES = {"total kept": "ACCEPTABLE", "total changed": "FORBIDDEN"}
