package influxdbmetricsexporter

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/influxdata/influxdb-observability/common"
	"github.com/influxdata/line-protocol/v2/lineprotocol"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// The telegraf-prometheus-v1 schema, as influxdb-observability's otel2influx v0.5.12 writes it (contrib's influxdb
// exporter v0.161.0): measurement = metric name; tags = resource attributes, otel.library.name/version, scope
// attributes, then the point's attributes (a later key replaces an earlier one; empty keys and values are left out);
// fields = start_time_unix_nano when set, plus gauge (gauges, non-monotonic or delta sums), counter (monotonic
// cumulative sums), count/sum/min/max and one cumulative count per bucket bound (histograms), count/sum and one
// value per quantile (summaries); exemplars with a trace as <name>_exemplar lines.
const (
	scopeNameTag    = "otel.library.name"
	scopeVersionTag = "otel.library.version"
)

type tag struct{ k, v string }

type field struct {
	k string
	v lineprotocol.Value
}

// setTag sets k in tags, replacing an earlier value as a map would.
func setTag(tags []tag, k, v string) []tag {
	for i := range tags {
		if tags[i].k == k {
			tags[i].v = v
			return tags
		}
	}
	return append(tags, tag{k, v})
}

func (e *lineEncoder) setField(k string, v lineprotocol.Value, ok bool) {
	if !ok { // NaN or ±Inf: line protocol has no such value; contrib leaves the field out too
		return
	}
	for i := range e.fields {
		if e.fields[i].k == k {
			e.fields[i].v = v
			return
		}
	}
	e.fields = append(e.fields, field{k, v})
}

func (e *lineEncoder) setFloat(k string, f float64) {
	v, ok := lineprotocol.FloatValue(f)
	e.setField(k, v, ok)
}

func (e *lineEncoder) skip(err error) {
	e.skipped++
	if e.firstErr == nil {
		e.firstErr = err
	}
}

// encodeMetrics encodes every point, flushing full payloads on the way; false if a flush failed.
func (e *lineEncoder) encodeMetrics(md pmetric.Metrics) bool {
	rms := md.ResourceMetrics()
	for i := range rms.Len() {
		rm := rms.At(i)
		sms := rm.ScopeMetrics()
		for j := range sms.Len() {
			sm := sms.At(j)
			e.scopeTags(rm.Resource(), sm.Scope())
			ms := sm.Metrics()
			for k := range ms.Len() {
				if !e.encodeMetric(ms.At(k)) {
					return false
				}
			}
		}
	}
	return true
}

func (e *lineEncoder) scopeTags(res pcommon.Resource, scope pcommon.InstrumentationScope) {
	e.scope = e.scope[:0]
	appendAttributes := func(attrs pcommon.Map) {
		for k, v := range attrs.All() {
			if k != "" {
				e.scope = setTag(e.scope, k, v.AsString())
			}
		}
	}
	appendAttributes(res.Attributes())
	if scope.Name() != "" {
		e.scope = setTag(e.scope, scopeNameTag, scope.Name())
	}
	if scope.Version() != "" {
		e.scope = setTag(e.scope, scopeVersionTag, scope.Version())
	}
	appendAttributes(scope.Attributes())
}

// pointStart gathers a point's tags and its start-time field; false (and the point skipped) without a timestamp.
func (e *lineEncoder) pointStart(name string, attrs pcommon.Map, start, ts pcommon.Timestamp) bool {
	if ts == 0 {
		e.skip(fmt.Errorf("metric %q: a data point has no timestamp", name))
		return false
	}
	e.tags = append(e.tags[:0], e.scope...)
	for k, v := range attrs.All() {
		if k != "" {
			e.tags = setTag(e.tags, k, v.AsString())
		}
	}
	e.fields = e.fields[:0]
	if start != 0 {
		e.setField(common.AttributeStartTimeUnixNano, lineprotocol.IntValue(int64(start)), true)
	}
	return true
}

// writeLine encodes the gathered point; false only if a full payload could not be sent.
func (e *lineEncoder) writeLine(measurement string, tags []tag, ts time.Time) bool {
	if len(e.fields) == 0 {
		e.skip(fmt.Errorf("metric %q: %w", measurement, errNoFields))
		return true
	}
	slices.SortFunc(tags, func(a, b tag) int { return cmp.Compare(a.k, b.k) })
	e.enc.StartLine(measurement)
	for _, t := range tags {
		if t.k != "" && t.v != "" {
			e.enc.AddTag(t.k, t.v)
		}
	}
	for _, f := range e.fields {
		e.enc.AddField(f.k, f.v)
	}
	e.enc.EndLine(ts)
	if err := e.enc.Err(); err != nil { // the encoder has already dropped the line
		e.enc.ClearErr()
		e.skip(fmt.Errorf("metric %q: %w", measurement, err))
		return true
	}
	e.lines++
	if e.lines >= e.maxLines || len(e.enc.Bytes()) >= e.maxBytes {
		return e.flushPayload()
	}
	return true
}

func numberValue(dp pmetric.NumberDataPoint) (lineprotocol.Value, bool, bool) {
	switch dp.ValueType() {
	case pmetric.NumberDataPointValueTypeInt:
		return lineprotocol.IntValue(dp.IntValue()), true, true
	case pmetric.NumberDataPointValueTypeDouble:
		v, ok := lineprotocol.FloatValue(dp.DoubleValue())
		return v, ok, true
	default: // empty: nothing to write, not an error
		return lineprotocol.Value{}, false, false
	}
}

func (e *lineEncoder) encodeMetric(m pmetric.Metric) bool {
	name := m.Name()
	switch m.Type() {
	case pmetric.MetricTypeGauge:
		return e.encodeNumbers(name, m.Gauge().DataPoints(), common.MetricGaugeFieldKey)
	case pmetric.MetricTypeSum:
		key := common.MetricGaugeFieldKey
		if m.Sum().IsMonotonic() && m.Sum().AggregationTemporality() == pmetric.AggregationTemporalityCumulative {
			key = common.MetricCounterFieldKey
		}
		return e.encodeNumbers(name, m.Sum().DataPoints(), key)
	case pmetric.MetricTypeHistogram:
		return e.encodeHistogram(name, m.Histogram().DataPoints())
	case pmetric.MetricTypeSummary:
		return e.encodeSummary(name, m.Summary().DataPoints())
	case pmetric.MetricTypeEmpty:
		return true
	default:
		// Exponential histograms have no telegraf-prometheus-v1 form (contrib refuses the batch).
		e.skip(fmt.Errorf("metric %q: type %s is not written to InfluxDB", name, m.Type()))
		return true
	}
}

func (e *lineEncoder) encodeNumbers(name string, dps pmetric.NumberDataPointSlice, key string) bool {
	for i := range dps.Len() {
		dp := dps.At(i)
		v, ok, present := numberValue(dp)
		if !present {
			continue
		}
		if !e.pointStart(name, dp.Attributes(), dp.StartTimestamp(), dp.Timestamp()) {
			continue
		}
		e.setField(key, v, ok)
		if !e.writeLine(name, e.tags, dp.Timestamp().AsTime()) || !e.encodeExemplars(name, dp.Exemplars()) {
			return false
		}
	}
	return true
}

func (e *lineEncoder) encodeHistogram(name string, dps pmetric.HistogramDataPointSlice) bool {
	for i := range dps.Len() {
		dp := dps.At(i)
		counts, bounds := dp.BucketCounts(), dp.ExplicitBounds()
		if counts.Len() > 0 && counts.Len() != bounds.Len() && counts.Len() != bounds.Len()+1 {
			e.skip(fmt.Errorf("metric %q: %d bucket counts for %d bounds", name, counts.Len(), bounds.Len()))
			continue
		}
		if !e.pointStart(name, dp.Attributes(), dp.StartTimestamp(), dp.Timestamp()) {
			continue
		}
		e.setFloat(common.MetricHistogramCountFieldKey, float64(dp.Count()))
		if dp.HasSum() {
			e.setFloat(common.MetricHistogramSumFieldKey, dp.Sum())
		}
		if dp.HasMin() {
			e.setFloat(common.MetricHistogramMinFieldKey, dp.Min())
		}
		if dp.HasMax() {
			e.setFloat(common.MetricHistogramMaxFieldKey, dp.Max())
		}
		var cumulative uint64
		for b := range counts.Len() {
			cumulative += counts.At(b)
			key := common.MetricHistogramInfFieldKey
			if b < bounds.Len() {
				key = strconv.FormatFloat(bounds.At(b), 'f', -1, 64)
			}
			e.setFloat(key, float64(cumulative))
		}
		if !e.writeLine(name, e.tags, dp.Timestamp().AsTime()) || !e.encodeExemplars(name, dp.Exemplars()) {
			return false
		}
	}
	return true
}

func (e *lineEncoder) encodeSummary(name string, dps pmetric.SummaryDataPointSlice) bool {
	for i := range dps.Len() {
		dp := dps.At(i)
		if !e.pointStart(name, dp.Attributes(), dp.StartTimestamp(), dp.Timestamp()) {
			continue
		}
		e.setFloat(common.MetricSummaryCountFieldKey, float64(dp.Count()))
		e.setFloat(common.MetricSummarySumFieldKey, dp.Sum())
		qs := dp.QuantileValues()
		for q := range qs.Len() {
			e.setFloat(strconv.FormatFloat(qs.At(q).Quantile(), 'f', -1, 64), qs.At(q).Value())
		}
		if !e.writeLine(name, e.tags, dp.Timestamp().AsTime()) {
			return false
		}
	}
	return true
}

// encodeExemplars writes the exemplars that carry a trace: their own tags only (filtered attributes, trace and span).
func (e *lineEncoder) encodeExemplars(name string, exemplars pmetric.ExemplarSlice) bool {
	for i := range exemplars.Len() {
		ex := exemplars.At(i)
		var v lineprotocol.Value
		ok := true
		switch ex.ValueType() {
		case pmetric.ExemplarValueTypeInt:
			v = lineprotocol.IntValue(ex.IntValue())
		case pmetric.ExemplarValueTypeDouble:
			v, ok = lineprotocol.FloatValue(ex.DoubleValue())
		default:
			continue
		}
		if ex.TraceID().IsEmpty() || ex.SpanID().IsEmpty() {
			continue
		}
		e.tags = e.tags[:0]
		for k, val := range ex.FilteredAttributes().All() {
			e.tags = setTag(e.tags, k, val.AsString())
		}
		e.tags = setTag(e.tags, common.AttributeTraceID, ex.TraceID().String())
		e.tags = setTag(e.tags, common.AttributeSpanID, ex.SpanID().String())
		e.fields = e.fields[:0]
		e.setField(common.MetricGaugeFieldKey, v, ok)
		if !e.writeLine(name+common.MetricExemplarSuffix, e.tags, ex.Timestamp().AsTime()) {
			return false
		}
	}
	return true
}
