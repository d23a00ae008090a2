"""What every edge shares about the documents: the index as edges see it (indexing), adding a
file to the corpus (uploads), and who may change either through a server (access)."""
