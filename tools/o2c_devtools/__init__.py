"""Development tools beside the product: ``o2c bench``, synthetic bank statements, a test broker.

Installed with the ``dev`` extra and imported by the tests and the benchmark; the product
(``o2c``) imports none of it, so a production install ships only what runs the service.
"""
