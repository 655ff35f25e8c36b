"""Chinese text helpers shared by retrieval and the coach."""
