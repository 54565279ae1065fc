"""Latin-1 bytes, no coding declaration."""
EXPECT = "safe"
name = "café"
