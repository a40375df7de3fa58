"""Safe loading and saving of models and data: never unpickle what a user hands us."""
