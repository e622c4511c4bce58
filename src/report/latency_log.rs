//! The latency histograms of every replication as one HdrHistogram
//! interval log (V2, deflate-compressed, base64), for HdrHistogram's own log
//! tools and plotters.

use crate::metrics::{Latencies, Outcome};

/// The replications' latency histograms in HdrHistogram's interval-log
/// format (V2, deflate-compressed, base64), readable by HdrHistogram's log
/// tools and plotters: replication r is the interval [r·d, (r+1)·d) of
/// virtual time, d the run's duration; values are microseconds and each
/// histogram is tagged with its name. The log's start time is the epoch, so
/// the file is the same on every run.
pub fn latency_log(outcomes: &[Outcome], duration_s: f64) -> Vec<u8> {
    let mut log = LatencyLog::default();
    for o in outcomes {
        log.add(&o.latency);
    }
    log.finish(duration_s)
}

/// A latency log built as replications finish ([`latency_log`]): each
/// replication's histograms are kept compressed (a few kilobytes, not the
/// 0.75 MB of the histograms themselves) until the log is written.
#[derive(Default)]
pub struct LatencyLog {
    /// Per replication, in order: (name, V2-deflate bytes) of each
    /// non-empty histogram.
    replications: Vec<Vec<(&'static str, Vec<u8>)>>,
}

impl LatencyLog {
    /// Adds the next replication's latencies.
    pub fn add(&mut self, latency: &Latencies) {
        use hdrhistogram::serialization::{Serializer, V2DeflateSerializer};
        let mut serializer = V2DeflateSerializer::new();
        let compressed = latency
            .named()
            .into_iter()
            .filter(|(_, h)| !h.is_empty())
            .map(|(name, h)| {
                let mut bytes = Vec::new();
                serializer
                    .serialize(h, &mut bytes)
                    .expect("serializing to memory cannot fail");
                (name, bytes)
            })
            .collect();
        self.replications.push(compressed);
    }

    /// The log: HdrHistogram's interval-log format, one interval of
    /// `duration_s` per replication.
    pub fn finish(&self, duration_s: f64) -> Vec<u8> {
        use hdrhistogram::serialization::interval_log::{IntervalLogWriterBuilder, Tag};
        use hdrhistogram::serialization::{Deserializer, V2DeflateSerializer};
        let mut buf = Vec::new();
        let mut serializer = V2DeflateSerializer::new();
        let mut deserializer = Deserializer::new();
        {
            let mut writer = IntervalLogWriterBuilder::new()
                .add_comment("survsim latency histograms, values in microseconds")
                .with_start_time(std::time::UNIX_EPOCH)
                .with_base_time(std::time::UNIX_EPOCH)
                .with_max_value_divisor(1000.0)
                .begin_log_with(&mut buf, &mut serializer)
                .expect("writing to memory cannot fail");
            let span = std::time::Duration::from_secs_f64(duration_s);
            for (r, histograms) in self.replications.iter().enumerate() {
                for (name, bytes) in histograms {
                    let h: hdrhistogram::Histogram<u64> = deserializer
                        .deserialize(&mut bytes.as_slice())
                        .expect("our own serialization reads back");
                    writer
                        .write_histogram(&h, span * r as u32, span, Tag::new(name))
                        .expect("writing to memory cannot fail");
                }
            }
        }
        buf
    }
}
