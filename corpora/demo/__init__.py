"""The bundled demo corpus (data files; a package so that wheels carry it)."""
