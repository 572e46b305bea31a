"""UMKM sellers (pelaku UMKM): profile, licences and their verification."""
