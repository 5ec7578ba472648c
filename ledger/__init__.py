"""Double-entry bookkeeping per household: accounts, entries, postings,
balances, the read-side check and the beancount export. A leaf package: it
never imports ``ontzorging`` or ``jobs``."""
