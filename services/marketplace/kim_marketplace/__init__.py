"""KIM Platform marketplace service.

UMKM sellers, products, listings, inquiries, orders and stock.
"""
