//! pcapng blocks: section and interface blocks, enhanced and simple packet
//! blocks, obsolete packet blocks (numbered, not decoded); other blocks
//! skipped, up to 16 MiB each.

use pcap_parser::pcapng::{Block, parse_block_be, parse_block_le};

use super::reader::{Frame, FrameReader, Interface, Kind, u32_at};
use super::{MAX_OTHER_BLOCK_LEN, MAX_RECORD_LEN, Timestamp};

impl<'a> FrameReader<'a> {
    pub(super) fn next_pcapng(&mut self) -> Option<Frame<'a>> {
        loop {
            let (btype, be, bytes, pos) = self.pcapng_block()?;
            let parsed = if be {
                parse_block_be(bytes)
            } else {
                parse_block_le(bytes)
            };
            match parsed {
                Ok((_, block)) => {
                    if let Some(frame) = self.pcapng_frame(block, be, pos) {
                        return Some(frame);
                    }
                }
                Err(e) => self.unparsed_block(btype, pos, &e),
            }
        }
    }

    /// The next block's type, byte order, bytes and position; None at the end
    /// of the file or at damage (which stops the reading with a message).
    fn pcapng_block(&mut self) -> Option<(u32, bool, &'a [u8], usize)> {
        let data: &'a [u8] = self.data;
        let rest = &data[self.pos..];
        if rest.is_empty() {
            if !self.short(1) {
                self.done = true;
            }
            return None;
        }
        let big_endian = match &self.kind {
            Kind::PcapNg { big_endian, .. } => *big_endian,
            Kind::Pcap { .. } => return None,
        };
        if rest.len() < 12 {
            if self.short(12) {
                return None;
            }
            let msg = format!(
                "capture truncated at byte {}: block header incomplete ({} of 12 bytes)",
                self.at(),
                rest.len()
            );
            self.stop(msg);
            return None;
        }
        let btype = u32_at(rest, 0, big_endian).unwrap_or(0);
        // A new section may switch byte order.
        let be = if btype == 0x0a0d_0d0a {
            match rest.get(8..12) {
                Some([0x1a, 0x2b, 0x3c, 0x4d]) => true,
                Some([0x4d, 0x3c, 0x2b, 0x1a]) => false,
                _ => {
                    let msg = format!(
                        "damaged pcapng section header at byte {}: bad byte-order magic; the rest of the file is skipped",
                        self.at()
                    );
                    self.stop(msg);
                    return None;
                }
            }
        } else {
            big_endian
        };
        let blen = u32_at(rest, 4, be).unwrap_or(0);
        // Packet blocks hold one record; other blocks (a Decryption Secrets
        // Block of a few hundred sessions is over 1 MB) may be up to 16 MiB,
        // as Wireshark allows.
        let max = if matches!(btype, 2 | 3 | 6) {
            MAX_RECORD_LEN + 4096
        } else {
            MAX_OTHER_BLOCK_LEN
        };
        if blen < 12 || !blen.is_multiple_of(4) || blen > max {
            let msg = format!(
                "damaged pcapng block at byte {}: length field says {} bytes; the rest of the file is skipped",
                self.at(),
                blen
            );
            self.stop(msg);
            return None;
        }
        if (blen as usize) > rest.len() {
            if self.short(blen as usize) {
                return None;
            }
            let msg = format!(
                "capture truncated at byte {}: block of {} bytes has only {} present{}",
                self.at(),
                blen,
                rest.len(),
                if btype == 6 || btype == 3 {
                    format!(" (packet {} incomplete)", self.next_number)
                } else {
                    String::new()
                }
            );
            self.stop(msg);
            return None;
        }
        let block_pos = self.pos;
        self.pos += blen as usize;
        Some((btype, be, &rest[..blen as usize], block_pos))
    }

    /// A block that pcap-parser could not decode: a note; a packet block still counts as a frame.
    fn unparsed_block(
        &mut self,
        btype: u32,
        block_pos: usize,
        e: &pcap_parser::nom::Err<pcap_parser::PcapError<&[u8]>>,
    ) {
        let what = match e {
            pcap_parser::nom::Err::Incomplete(_) => "inconsistent in its lengths",
            _ => "malformed",
        };
        // A packet block counts as a frame in Wireshark even when we
        // cannot decode it; keep the numbering aligned.
        if btype == 6 || btype == 3 || btype == 2 {
            self.notes.push(format!(
                "packet {} (pcapng block at byte {}) is {} and was skipped",
                self.next_number,
                self.base + block_pos as u64,
                what
            ));
            self.next_number += 1;
        } else {
            self.notes.push(format!(
                "pcapng block type 0x{:08x} at byte {} is {} and was skipped",
                btype,
                self.base + block_pos as u64,
                what
            ));
        }
    }

    /// Takes in one decoded block; a packet block gives its frame.
    fn pcapng_frame(&mut self, block: Block<'a>, be: bool, block_pos: usize) -> Option<Frame<'a>> {
        match block {
            Block::SectionHeader(_) => {
                self.kind = Kind::PcapNg {
                    big_endian: be,
                    interfaces: Vec::new(),
                    described: 0,
                };
            }
            Block::InterfaceDescription(idb) => self.interface(&idb),
            Block::EnhancedPacket(epb) => return self.enhanced_packet(&epb, block_pos),
            Block::SimplePacket(spb) => {
                let number = self.next_number;
                self.next_number += 1;
                let iface = match &self.kind {
                    Kind::PcapNg { interfaces, .. } => interfaces.first().copied(),
                    Kind::Pcap { .. } => None,
                };
                let Some(iface) = iface else {
                    self.notes.push(format!(
                        "packet {} (simple packet block) precedes any interface block; skipped",
                        number
                    ));
                    return None;
                };
                let caplen = (spb.origlen as usize).min(spb.data.len());
                if spb.origlen as usize > caplen {
                    self.snapped += 1;
                }
                return Some(Frame {
                    number,
                    // Simple packet blocks carry no timestamp.
                    ts: Timestamp::default(),
                    link_type: iface.link_type,
                    data: &spb.data[..caplen],
                    // Block type, length, original length.
                    offset: block_pos + 12,
                    orig_len: spb.origlen.max(caplen as u32),
                });
            }
            Block::DecryptionSecrets(dsb) => self.secrets(&dsb, block_pos),
            Block::Unknown(u) if u.block_type == 2 => {
                // Obsolete Packet Block: Wireshark numbers it as a frame.
                self.notes.push(format!(
                    "packet {} is an obsolete pcapng Packet Block; not decoded",
                    self.next_number
                ));
                self.next_number += 1;
            }
            // Types this reader has no use for but the pcapng format defines
            // (name resolution, statistics, secrets, journal export, custom).
            Block::Unknown(u) if !matches!(u.block_type, 4 | 5 | 7..=10 | 0x0bad | 0x4000_0bad) => {
                self.notes.push(format!(
                    "pcapng block at byte {} has type 0x{:08x}, which pcapng does not define (damage?); skipped",
                    self.base + block_pos as u64,
                    u.block_type
                ));
            }
            _ => {}
        }
        None
    }

    /// A Decryption Secrets Block: TLS key log text goes to the key log.
    fn secrets(&mut self, dsb: &pcap_parser::pcapng::DecryptionSecretsBlock, block_pos: usize) {
        let at = self.base + block_pos as u64;
        let Some(log) = &self.keylog else { return };
        if dsb.secrets_type != pcap_parser::pcapng::SecretsType::TlsKeyLog {
            self.notes.push(format!(
                "decryption secrets block at byte {at} holds secrets of type 0x{:08x}, not a TLS key log; skipped",
                dsb.secrets_type.0
            ));
            return;
        }
        let data = &dsb.data[..(dsb.secrets_len as usize).min(dsb.data.len())];
        let problems = log.add_text(&format!("the capture's secrets block at byte {at}"), data);
        self.notes.extend(problems.into_iter().take(20));
    }

    /// An interface: its link type, timestamp resolution and offset, snap length.
    fn interface(&mut self, idb: &pcap_parser::pcapng::InterfaceDescriptionBlock) {
        let lt = idb.linktype.0 as u32;
        let resolution = idb.ts_resolution().unwrap_or(1_000_000).max(1);
        if resolution > 1_000_000 {
            self.nanosecond = true;
        }
        self.note_link(lt);
        if idb.snaplen > 0 && idb.snaplen < 65535 {
            self.min_snaplen = Some(self.min_snaplen.map_or(idb.snaplen, |s| s.min(idb.snaplen)));
        }
        if let Kind::PcapNg {
            interfaces, described, ..
        } = &mut self.kind
        {
            *described += 1;
            // Bounded: a lying file cannot make us keep more than this many.
            if interfaces.len() < super::reader::MAX_INTERFACES {
                interfaces.push(Interface {
                    link_type: lt,
                    resolution,
                    offset_secs: idb.if_tsoffset,
                });
            } else {
                self.interfaces_over_limit += 1;
            }
        }
    }

    /// An enhanced packet block: a frame, timed by its interface.
    fn enhanced_packet(
        &mut self,
        epb: &pcap_parser::pcapng::EnhancedPacketBlock<'a>,
        block_pos: usize,
    ) -> Option<Frame<'a>> {
        let number = self.next_number;
        self.next_number += 1;
        let (iface, described) = match &self.kind {
            Kind::PcapNg {
                interfaces, described, ..
            } => (interfaces.get(epb.if_id as usize).copied(), *described),
            Kind::Pcap { .. } => (None, 0),
        };
        if iface.is_none() && (epb.if_id as usize) < described {
            // Its interface block was past the limit: counted, not analysed.
            self.packets_over_interface_limit += 1;
            return None;
        }
        let Some(iface) = iface else {
            self.notes.push(format!(
                "packet {} names interface {} that no interface block describes; skipped",
                number, epb.if_id
            ));
            return None;
        };
        let raw = ((epb.ts_high as u64) << 32) | epb.ts_low as u64;
        // Never wraps: an if_tsoffset near i64::MAX saturates.
        let secs = i64::try_from(raw / iface.resolution)
            .unwrap_or(i64::MAX)
            .saturating_add(iface.offset_secs);
        let frac = raw % iface.resolution;
        let nanos = ((frac as u128 * 1_000_000_000u128) / iface.resolution as u128) as u32;
        let caplen = (epb.caplen as usize).min(epb.data.len());
        if epb.origlen as usize > caplen {
            self.snapped += 1;
        }
        Some(Frame {
            number,
            ts: Timestamp { secs, nanos },
            link_type: iface.link_type,
            data: &epb.data[..caplen],
            // Block type, length, interface, timestamp (2), captured and original length.
            offset: block_pos + 28,
            orig_len: epb.origlen.max(caplen as u32),
        })
    }
}
