"""Additions to the fake SageMaker, one module per topic; each defines `patches(url_box) -> list[mock.patch]`."""
