"""Product images as files: which are accepted and under which name they are stored,
uploads that follow the transaction writing their product, and files set aside so a
deletion can be undone."""
