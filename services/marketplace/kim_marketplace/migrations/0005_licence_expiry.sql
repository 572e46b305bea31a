-- The scheduled licence expiry finds verified licences whose expiry date has passed.

CREATE INDEX seller_licences_verified_expiry ON seller_licences (expires_on)
    WHERE status = 'terverifikasi' AND expires_on IS NOT NULL;
