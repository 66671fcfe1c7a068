// Package spoolconnector is the collector's spool as a connector: a persistent queue between the pipeline that
// receives metrics and the pipeline that exports them to every backend.
//
// A batch is written to the queue (on a storage extension, e.g. spool_storage) and acknowledged to the receiving
// pipeline; the queue's consumers then hand it to the exporting pipeline, whose exporters send synchronously, and
// the batch leaves the queue only once every exporter accepted it (retried without a time limit by default). So a
// backend outage or a collector restart loses nothing, and each batch is persisted once for all backends.
//
// Why our own: the same design built from stock parts needs an OTLP exporter with a persistent sending queue looped
// back over 127.0.0.1 to an OTLP receiver of the exporting pipeline, which encodes and decodes every batch once more
// and keeps an internal port open (docs/scaling.md). Here the collector's own exporterhelper runs the queue and the
// retries (the same code and the same otelcol_exporter_* telemetry as any exporter), and the queue's consumer calls
// the next pipeline in process.
package spoolconnector // import "github.com/foursignals/otelcol-foursignals/connector/spoolconnector"

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/xpdata/pref"
)

var componentType = component.MustNewType("spool")

// Config of the connector: the same `timeout`, `sending_queue` and `retry_on_failure` settings as an exporter's.
// With the queue disabled it is a synchronous pass-through: an error of the next pipeline goes back to the caller
// (the agent, whose gateway exporter keeps the queue, uses it so).
type Config struct {
	// Timeout bounds one hand-over to the exporting pipeline (all of its exporters, one after the other).
	TimeoutConfig exporterhelper.TimeoutConfig                             `mapstructure:",squash"`
	QueueConfig   configoptional.Optional[exporterhelper.QueueBatchConfig] `mapstructure:"sending_queue"`
	RetryConfig   configretry.BackOffConfig                                `mapstructure:"retry_on_failure"`
}

// NewFactory creates the factory of the spool connector (metrics to metrics).
func NewFactory() connector.Factory {
	return connector.NewFactory(componentType, createDefaultConfig,
		connector.WithMetricsToMetrics(createMetricsToMetrics, component.StabilityLevelDevelopment))
}

func createDefaultConfig() component.Config {
	return &Config{
		TimeoutConfig: exporterhelper.NewDefaultTimeoutConfig(),
		QueueConfig:   configoptional.Some(exporterhelper.NewDefaultQueueConfig()),
		RetryConfig:   configretry.NewDefaultBackOffConfig(),
	}
}

func createMetricsToMetrics(ctx context.Context, set connector.Settings, cfg component.Config,
	next consumer.Metrics,
) (connector.Metrics, error) {
	c := cfg.(*Config)
	// exporterhelper takes exporter.Settings: the connector's own ID names its queue (storage client, telemetry's
	// `exporter` attribute).
	exporterSettings := exporter.Settings{ID: set.ID, TelemetrySettings: set.TelemetrySettings, BuildInfo: set.BuildInfo}
	handOver := func(ctx context.Context, md pmetric.Metrics) error {
		// A batch read back from the persistent queue is a new, unowned object whose one reference the queue releases
		// after this call. The service wraps a connector's next consumer so that it takes ownership of unowned data
		// and releases it too: a second release, which panics ("Cannot unref freed data"). Owned by the spool from
		// here, the queue's release is the only one. (Batches from memory are owned already: a no-op for them.)
		pref.MarkPipelineOwnedMetrics(md)
		return next.ConsumeMetrics(ctx, md)
	}
	return exporterhelper.NewMetrics(ctx, exporterSettings, cfg, handOver,
		// The queue encodes each batch and hands the next pipeline a decoded copy of its own.
		exporterhelper.WithCapabilities(consumer.Capabilities{MutatesData: false}),
		exporterhelper.WithTimeout(c.TimeoutConfig),
		exporterhelper.WithRetry(c.RetryConfig),
		exporterhelper.WithQueue(c.QueueConfig),
	)
}
