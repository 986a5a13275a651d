"""Accounts: who someone is (identity, passwords, session tokens, Clerk users), their VocahireCredits
ledger, and the candidate's own data (export and deletion)."""
