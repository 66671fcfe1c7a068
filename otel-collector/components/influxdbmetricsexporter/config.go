package influxdbmetricsexporter // import "github.com/foursignals/otelcol-foursignals/exporter/influxdbmetricsexporter"

import (
	"errors"
	"fmt"

	"github.com/influxdata/influxdb-observability/common"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
)

// V1Compatibility writes through InfluxDB 1.x's /write API (also served by 2.x and 3 Core).
type V1Compatibility struct {
	Enabled  bool                `mapstructure:"enabled"`
	DB       string              `mapstructure:"db"`
	Username string              `mapstructure:"username"`
	Password configopaque.String `mapstructure:"password"`
}

// Config has the keys of contrib's influxdb exporter that apply to metrics, with the same meaning and defaults, so
// that a configuration moves between the two by changing the exporter's name.
type Config struct {
	ClientConfig  confighttp.ClientConfig                                  `mapstructure:",squash"`
	QueueSettings configoptional.Optional[exporterhelper.QueueBatchConfig] `mapstructure:"sending_queue"`
	BackOffConfig configretry.BackOffConfig                                `mapstructure:"retry_on_failure"`

	Org             string              `mapstructure:"org"`
	Bucket          string              `mapstructure:"bucket"`
	Token           configopaque.String `mapstructure:"token"`
	V1Compatibility V1Compatibility     `mapstructure:"v1_compatibility"`
	// MetricsSchema: only telegraf-prometheus-v1 (a measurement per metric, fields gauge/counter/count/sum/buckets).
	MetricsSchema   string `mapstructure:"metrics_schema"`
	PayloadMaxLines int    `mapstructure:"payload_max_lines"`
	PayloadMaxBytes int    `mapstructure:"payload_max_bytes"`
}

// Validate reports every problem at once.
func (c *Config) Validate() error {
	var errs []error
	if c.ClientConfig.Endpoint == "" {
		errs = append(errs, errors.New("endpoint must be set (e.g. http://influxdb:8086)"))
	}
	if c.MetricsSchema != common.MetricsSchemaTelegrafPrometheusV1.String() {
		errs = append(errs, fmt.Errorf("metrics_schema %q is not supported: only %q (use contrib's influxdb exporter for others)",
			c.MetricsSchema, common.MetricsSchemaTelegrafPrometheusV1.String()))
	}
	if c.V1Compatibility.Enabled {
		if c.V1Compatibility.DB == "" {
			errs = append(errs, errors.New("v1_compatibility.db must be set when v1_compatibility is enabled"))
		}
	} else if c.Org == "" || c.Bucket == "" {
		errs = append(errs, errors.New("org and bucket must be set for the v2 API (or enable v1_compatibility)"))
	}
	if c.PayloadMaxLines <= 0 {
		errs = append(errs, fmt.Errorf("payload_max_lines must be positive, got %d", c.PayloadMaxLines))
	}
	if c.PayloadMaxBytes <= 0 {
		errs = append(errs, fmt.Errorf("payload_max_bytes must be positive, got %d", c.PayloadMaxBytes))
	}
	return errors.Join(errs...)
}
