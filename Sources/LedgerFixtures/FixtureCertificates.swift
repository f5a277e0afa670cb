/// Fixed certificates for the fixture chain, in the profile of `docs/peer-network.md`: a P-256 CA per
/// department (with its private key, so tests can issue node certificates) and a TLS certificate per
/// genesis validator, valid from 2026-11-01 to 2036-11-01. Generated once with Python `cryptography`;
/// fixed text so that every process builds the same genesis (and genesis hash).
enum FixtureCertificates {
    /// Department id → (CA certificate PEM, CA private key PEM).
    static let departmentCAs: [String: (certificate: String, privateKey: String)] = [
        "TD": (
            certificate: """
            -----BEGIN CERTIFICATE-----
            MIIBWjCCAQCgAwIBAgICA+kwCgYIKoZIzj0EAwIwIjELMAkGA1UECgwCVEQxEzAR
            BgNVBAMMClREIHBlZXIgQ0EwHhcNMjYxMTAxMDAwMDAwWhcNMzYxMTAxMDAwMDAw
            WjAiMQswCQYDVQQKDAJURDETMBEGA1UEAwwKVEQgcGVlciBDQTBZMBMGByqGSM49
            AgEGCCqGSM49AwEHA0IABNYgsoXAzOyDOpwwqjyXRCx0D2sFgHPuperSMP/4f/KH
            gbJ38AOUt+Jpr1tGqu882RkxycXOcDg+vG4u4pucuaijJjAkMBIGA1UdEwEB/wQI
            MAYBAf8CAQAwDgYDVR0PAQH/BAQDAgEGMAoGCCqGSM49BAMCA0gAMEUCIQDbpHhN
            Fd3smdrKBl8k63AVrK28sH6/P5VRcikLrzg3jwIgDEEQCQaj6sMHLcvoiLzCCapG
            PJ0XohldBItWXa6Y0X8=
            -----END CERTIFICATE-----
            """,
            privateKey: """
            -----BEGIN PRIVATE KEY-----
            MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg3lioVDxsbhoy5/oh
            yBDraMFW01cOPpF1THZZACtYVZuhRANCAATWILKFwMzsgzqcMKo8l0QsdA9rBYBz
            7qXq0jD/+H/yh4Gyd/ADlLfiaa9bRqrvPNkZMcnFznA4PrxuLuKbnLmo
            -----END PRIVATE KEY-----
            """
        ),
        "IMMD": (
            certificate: """
            -----BEGIN CERTIFICATE-----
            MIIBYTCCAQigAwIBAgICA+owCgYIKoZIzj0EAwIwJjENMAsGA1UECgwESU1NRDEV
            MBMGA1UEAwwMSU1NRCBwZWVyIENBMB4XDTI2MTEwMTAwMDAwMFoXDTM2MTEwMTAw
            MDAwMFowJjENMAsGA1UECgwESU1NRDEVMBMGA1UEAwwMSU1NRCBwZWVyIENBMFkw
            EwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEzCLCvtSqukHTczJX8Mt2hkXCPJ7GLa/h
            g3sV8hcmgj57TgCqJ3k29tafW6Deqxu31REBTKqs7UikR6RBlLw90KMmMCQwEgYD
            VR0TAQH/BAgwBgEB/wIBADAOBgNVHQ8BAf8EBAMCAQYwCgYIKoZIzj0EAwIDRwAw
            RAIgIg9Ku4Br4P/8nsZbfyxScerJDQZ+njxsl1vduK31LkwCIDjqlESoTmlNwSt+
            UtZC71eWdVPQSic+xO38gSOYSZtm
            -----END CERTIFICATE-----
            """,
            privateKey: """
            -----BEGIN PRIVATE KEY-----
            MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgWBz08GlF6MPJ4Do+
            AqRAbDy3B9L5Oux8jsU6Pp5+9G2hRANCAATMIsK+1Kq6QdNzMlfwy3aGRcI8nsYt
            r+GDexXyFyaCPntOAKoneTb21p9boN6rG7fVEQFMqqztSKRHpEGUvD3Q
            -----END PRIVATE KEY-----
            """
        ),
        "EPD": (
            certificate: """
            -----BEGIN CERTIFICATE-----
            MIIBXjCCAQSgAwIBAgICA+swCgYIKoZIzj0EAwIwJDEMMAoGA1UECgwDRVBEMRQw
            EgYDVQQDDAtFUEQgcGVlciBDQTAeFw0yNjExMDEwMDAwMDBaFw0zNjExMDEwMDAw
            MDBaMCQxDDAKBgNVBAoMA0VQRDEUMBIGA1UEAwwLRVBEIHBlZXIgQ0EwWTATBgcq
            hkjOPQIBBggqhkjOPQMBBwNCAAS9P8/l7xL5mbak9UqPtPpzI+HcZbwtgCXpaLAC
            UaHBMZTqOC0PTvZ/lZWFABsSm1iBGSDc7ZZozmbgJv40VaYjoyYwJDASBgNVHRMB
            Af8ECDAGAQH/AgEAMA4GA1UdDwEB/wQEAwIBBjAKBggqhkjOPQQDAgNIADBFAiEA
            umbYUMPXIg62V50fRnwii5nYxYV0/TuYP4p5C51a2UwCICprsE2eSrZuptY0N8+8
            EvUgbODa5kc0ZuivQPT6aqwt
            -----END CERTIFICATE-----
            """,
            privateKey: """
            -----BEGIN PRIVATE KEY-----
            MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg1tPnLOhHBpVbHug5
            rDsKcfxQc3mjfrM4aVTh5+C9e/6hRANCAAS9P8/l7xL5mbak9UqPtPpzI+HcZbwt
            gCXpaLACUaHBMZTqOC0PTvZ/lZWFABsSm1iBGSDc7ZZozmbgJv40VaYj
            -----END PRIVATE KEY-----
            """
        ),
        "DH": (
            certificate: """
            -----BEGIN CERTIFICATE-----
            MIIBWjCCAQCgAwIBAgICA+wwCgYIKoZIzj0EAwIwIjELMAkGA1UECgwCREgxEzAR
            BgNVBAMMCkRIIHBlZXIgQ0EwHhcNMjYxMTAxMDAwMDAwWhcNMzYxMTAxMDAwMDAw
            WjAiMQswCQYDVQQKDAJESDETMBEGA1UEAwwKREggcGVlciBDQTBZMBMGByqGSM49
            AgEGCCqGSM49AwEHA0IABNsHxqVH39WTHbX1Mkmcmnc1aBKAWkl7AOB0ODJQEKNR
            a8GPm07UChOKI30e/HJUeayrhmD3w82hYuUdIUWEd1ejJjAkMBIGA1UdEwEB/wQI
            MAYBAf8CAQAwDgYDVR0PAQH/BAQDAgEGMAoGCCqGSM49BAMCA0gAMEUCIQDgFm8h
            0dQ4KjBd991/wEZzmff+pmQrdF57myqcUh5KFAIgNKZBrEOEOVEaVl5yJOgVtPq/
            fUp89DX6w0KmdPPcEwk=
            -----END CERTIFICATE-----
            """,
            privateKey: """
            -----BEGIN PRIVATE KEY-----
            MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgOp+IE/0ZuFn5wgxT
            GuPocEXWYacd4HDtUTlNKwX1gdWhRANCAATbB8alR9/Vkx219TJJnJp3NWgSgFpJ
            ewDgdDgyUBCjUWvBj5tO1AoTiiN9HvxyVHmsq4Zg98PNoWLlHSFFhHdX
            -----END PRIVATE KEY-----
            """
        ),
    ]
    /// Validator name → TLS certificate PEM.
    static let validatorCertificates: [String: String] = [
        "td-1": """
        -----BEGIN CERTIFICATE-----
        MIIBfjCCASSgAwIBAgICA+0wCgYIKoZIzj0EAwIwIjELMAkGA1UECgwCVEQxEzAR
        BgNVBAMMClREIHBlZXIgQ0EwHhcNMjYxMTAxMDAwMDAwWhcNMzYxMTAxMDAwMDAw
        WjAcMQswCQYDVQQKDAJURDENMAsGA1UEAwwEdGQtMTBZMBMGByqGSM49AgEGCCqG
        SM49AwEHA0IABAz4BMJQfS/Ikhns6nV5dnXFchgiNDkNCqoxy3rLk+z4RYvdAz5M
        SGOMOn237RNkVdkIWMQFV5D+ca8iIJsJbKyjUDBOMAwGA1UdEwEB/wQCMAAwDgYD
        VR0PAQH/BAQDAgeAMB0GA1UdJQQWMBQGCCsGAQUFBwMBBggrBgEFBQcDAjAPBgNV
        HREECDAGggR0ZC0xMAoGCCqGSM49BAMCA0gAMEUCIDQktNhSPuZ93Spkzw3UfxkX
        30myjfjqrVu4xU60RhAKAiEA34oUZjWOY9T8MgXThnDf4yu8uhPW/5GWcNVbVfzS
        GBg=
        -----END CERTIFICATE-----
        """,
        "immd-1": """
        -----BEGIN CERTIFICATE-----
        MIIBhzCCAS6gAwIBAgICA+4wCgYIKoZIzj0EAwIwJjENMAsGA1UECgwESU1NRDEV
        MBMGA1UEAwwMSU1NRCBwZWVyIENBMB4XDTI2MTEwMTAwMDAwMFoXDTM2MTEwMTAw
        MDAwMFowIDENMAsGA1UECgwESU1NRDEPMA0GA1UEAwwGaW1tZC0xMFkwEwYHKoZI
        zj0CAQYIKoZIzj0DAQcDQgAEv6qqogLY7LXCam+K/Wvc6pXKvhCQ2XSQF9iTZZ52
        LATtrnpR2YPTlOInNdyFCOtBUn/nKYRE77ohLhpZgnsXxaNSMFAwDAYDVR0TAQH/
        BAIwADAOBgNVHQ8BAf8EBAMCB4AwHQYDVR0lBBYwFAYIKwYBBQUHAwEGCCsGAQUF
        BwMCMBEGA1UdEQQKMAiCBmltbWQtMTAKBggqhkjOPQQDAgNHADBEAiBZqyrDtccD
        wQjO5wC6d3wGepwZ8WUN0j1EOLAtKf+n9wIgCmtGYNm4OmYbIvmMwjTySAPWFSXP
        lADItYSPf6cJ+B8=
        -----END CERTIFICATE-----
        """,
        "epd-1": """
        -----BEGIN CERTIFICATE-----
        MIIBgjCCASmgAwIBAgICA+8wCgYIKoZIzj0EAwIwJDEMMAoGA1UECgwDRVBEMRQw
        EgYDVQQDDAtFUEQgcGVlciBDQTAeFw0yNjExMDEwMDAwMDBaFw0zNjExMDEwMDAw
        MDBaMB4xDDAKBgNVBAoMA0VQRDEOMAwGA1UEAwwFZXBkLTEwWTATBgcqhkjOPQIB
        BggqhkjOPQMBBwNCAAQVnWpac8WZ6VxtMUbg3DpJiNpbVZn0l09cKRPSaCFxd6R/
        tWIqY7UFvLIvJQwhoGCU6q6Kr+H+lvbsZdfvSy6vo1EwTzAMBgNVHRMBAf8EAjAA
        MA4GA1UdDwEB/wQEAwIHgDAdBgNVHSUEFjAUBggrBgEFBQcDAQYIKwYBBQUHAwIw
        EAYDVR0RBAkwB4IFZXBkLTEwCgYIKoZIzj0EAwIDRwAwRAIgYW1RvQtcFXZBwWAU
        HhVPWAUoAs2Ej9Ggen2zUz9JQQoCIA8M6cVHZCdvLGZ5a1Es8Vnh4bVjrgVJFcVb
        JmtRzlrC
        -----END CERTIFICATE-----
        """,
        "dh-1": """
        -----BEGIN CERTIFICATE-----
        MIIBfjCCASSgAwIBAgICA/AwCgYIKoZIzj0EAwIwIjELMAkGA1UECgwCREgxEzAR
        BgNVBAMMCkRIIHBlZXIgQ0EwHhcNMjYxMTAxMDAwMDAwWhcNMzYxMTAxMDAwMDAw
        WjAcMQswCQYDVQQKDAJESDENMAsGA1UEAwwEZGgtMTBZMBMGByqGSM49AgEGCCqG
        SM49AwEHA0IABP4za7aBda/6Opx4Lhode9ab9uzC55Gvy4Ta27Z9Idrq1PGZa98p
        R55kXod43QtJeJ/wzhafcEgPz1AhptqTPTCjUDBOMAwGA1UdEwEB/wQCMAAwDgYD
        VR0PAQH/BAQDAgeAMB0GA1UdJQQWMBQGCCsGAQUFBwMBBggrBgEFBQcDAjAPBgNV
        HREECDAGggRkaC0xMAoGCCqGSM49BAMCA0gAMEUCIQDhw5BDUB1bh0qv5JltNfFO
        CjFVmwMb8XXeErpQpI0BYQIgMKwEwlLFmc7pw1oFBva7wZsDd4nJ++Nmh0PZIPeZ
        lgE=
        -----END CERTIFICATE-----
        """,
    ]
}
