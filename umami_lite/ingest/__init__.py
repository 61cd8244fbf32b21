"""The write side: hit -> visitor identity -> record -> journal -> storage."""
