"""Writers that lay a ``BankStatement`` out as a camt.053, MT940 or BAI2 file.

They exist for tests and benchmarks: each produces a file that the matching reader in
``o2c.bank.formats`` reads back to an equal statement. A statement a format cannot carry (too
long a reference, a character the format reserves) raises ``ValueError`` rather than being
written in a form that would read back differently.
"""

from o2c_devtools.synthetic_bank.writers.bai2 import write_bai2
from o2c_devtools.synthetic_bank.writers.camt053 import write_camt053
from o2c_devtools.synthetic_bank.writers.mt940 import write_mt940

__all__ = ["write_bai2", "write_camt053", "write_mt940"]
