print("state tree benchmark: not yet written")
