"""Credits: balances and allowances over the ledger, prices, and usage charts."""

from bot.credits.charts import usage_chart
from bot.credits.pricing import price
from bot.credits.service import Balance, Credits, Statement, statement

__all__ = ["Balance", "Credits", "Statement", "price", "statement", "usage_chart"]
