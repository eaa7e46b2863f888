"""The domain: the only code that writes. Each public function takes the
acting user first, asks the policy, flushes (never commits) and records audit
events."""
