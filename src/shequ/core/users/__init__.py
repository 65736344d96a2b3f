"""User administration: find a user in one's places, their roles, lock and reset sign-in."""
