"""Training the learned detector and product embedder on simulated chains (plain Python and torch)."""
