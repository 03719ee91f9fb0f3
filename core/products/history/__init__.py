"""What happened to products: recording each write as a change set, showing recorded
changes, the series drawn from them, and undoing them (revert, restore, a whole batch).
"""
