"""Call cards: the card lifecycle and its routing."""
