"""The bundled offline demo: three fictional news sites served on 127.0.0.1 (also test fixtures)."""
