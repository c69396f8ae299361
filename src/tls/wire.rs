//! The TLS numbers this parser dispatches on, as enums with an `Unknown`
//! case (the way smoltcp's wire enums are): record content types,
//! handshake message types, alert levels and descriptions. Converting a
//! byte never fails; every match on them is exhaustive.

/// Defines an enum over a byte with named values and `Unknown(u8)`.
macro_rules! wire_enum {
    ($(#[$m:meta])* $name:ident { $($v:ident = $n:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $($v,)+
            Unknown(u8),
        }

        impl From<u8> for $name {
            fn from(b: u8) -> $name {
                match b {
                    $($n => $name::$v,)+
                    other => $name::Unknown(other),
                }
            }
        }

        impl From<$name> for u8 {
            fn from(v: $name) -> u8 {
                match v {
                    $($name::$v => $n,)+
                    $name::Unknown(other) => other,
                }
            }
        }
    };
}

wire_enum! {
    /// A record's content type (RFC 8446 5.1).
    ContentType {
        ChangeCipherSpec = 20,
        Alert = 21,
        Handshake = 22,
        ApplicationData = 23,
        Heartbeat = 24,
    }
}

wire_enum! {
    /// A handshake message's type (RFC 8446 4, RFC 5246 7.4).
    HandshakeType {
        HelloRequest = 0,
        ClientHello = 1,
        ServerHello = 2,
        NewSessionTicket = 4,
        EncryptedExtensions = 8,
        Certificate = 11,
        ServerKeyExchange = 12,
        CertificateRequest = 13,
        ServerHelloDone = 14,
        CertificateVerify = 15,
        ClientKeyExchange = 16,
        Finished = 20,
        KeyUpdate = 24,
        CompressedCertificate = 25,
    }
}

wire_enum! {
    /// An alert's level.
    AlertLevel {
        Warning = 1,
        Fatal = 2,
    }
}

wire_enum! {
    /// An alert's description (the ones the diagnosis reads by name; the
    /// others are `Unknown` here and named by `names::alert_name`).
    AlertDescription {
        CloseNotify = 0,
        HandshakeFailure = 40,
        BadCertificate = 42,
        ProtocolVersion = 70,
        InsufficientSecurity = 71,
        UserCanceled = 90,
        UnrecognizedName = 112,
        CertificateRequired = 116,
    }
}

impl HandshakeType {
    /// The message's name as the report writes it.
    pub fn name(self) -> std::borrow::Cow<'static, str> {
        crate::names::handshake_name(u8::from(self))
    }
}

impl AlertDescription {
    /// The description's name (`unknown_N` when it has none).
    pub fn name(self) -> String {
        crate::names::alert_name(u8::from(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_round_trip_through_the_enums() {
        for b in 0..=255u8 {
            assert_eq!(u8::from(ContentType::from(b)), b);
            assert_eq!(u8::from(HandshakeType::from(b)), b);
            assert_eq!(u8::from(AlertDescription::from(b)), b);
        }
        assert_eq!(ContentType::from(22), ContentType::Handshake);
        assert_eq!(ContentType::from(99), ContentType::Unknown(99));
        assert_eq!(HandshakeType::from(11).name(), "Certificate");
        assert_eq!(AlertDescription::from(48).name(), "unknown_ca");
    }
}
