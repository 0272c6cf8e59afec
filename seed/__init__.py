"""Demo data: a Faker-seeded branch network, into the store or as a CSV extract."""

from seed.build import build_demo_store, write_demo_extract
from seed.generate import DemoSpec

__all__ = ["DemoSpec", "build_demo_store", "write_demo_extract"]
