// Small helpers over @grafana/grafana-foundation-sdk so each dashboard reads as a list of panels.
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as common from '@grafana/grafana-foundation-sdk/common';
import {
  DashboardBuilder,
  DashboardCursorSync,
  type Dashboard as DashboardModel,
  type DataSourceRef,
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  RowBuilder,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  type VariableModel,
  VariableRefresh,
  VariableSort,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as text from '@grafana/grafana-foundation-sdk/text';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';

/**
 * Every panel and variable reads its data source through a data source variable, so the dashboards work in any
 * Grafana: `$prometheus` / `$influxdb` default to the data sources the provisioning files create (fixed uids) and,
 * where those do not exist, to Grafana's default data source of the type; the user can switch at the top.
 */
export const DATASOURCE_VARIABLES = {
  prometheus: { label: 'Prometheus', provisionedUid: 'foursignals-prometheus', pluginName: 'Prometheus' },
  influxdb: { label: 'InfluxDB', provisionedUid: 'foursignals-influxdb', pluginName: 'InfluxDB' },
} as const;
export type DatasourceType = keyof typeof DATASOURCE_VARIABLES;

// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, expanded by Grafana
export const PROMETHEUS: DataSourceRef = { type: 'prometheus', uid: '${prometheus}' };
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, expanded by Grafana
export const INFLUXDB: DataSourceRef = { type: 'influxdb', uid: '${influxdb}' };

function datasourceVariable(type: DatasourceType): DatasourceVariableBuilder {
  const v = DATASOURCE_VARIABLES[type];
  return new DatasourceVariableBuilder(type)
    .label(v.label)
    .description(`The ${v.label} data source the panels read (default: ${v.provisionedUid}, as provisioned).`)
    .type(type)
    .current({ text: v.provisionedUid, value: v.provisionedUid });
}

export type Dashboard = DashboardModel & { uid: string };

/**
 * The share of `counter` samples matching `errors`, by `by`: 0 (not "no data") when there is no error series, since
 * a counter series with a 5xx status exists only after the first 5xx.
 */
export function shareOf(counter: string, selector: string, errors: string, by: string): string {
  const total = `sum${by ? ` by (${by})` : ''} (rate(${counter}{${selector}}[$__rate_interval]))`;
  const bad = `sum${by ? ` by (${by})` : ''} (rate(${counter}{${selector}, ${errors}}[$__rate_interval]))`;
  return `(${bad} or ${total} * 0) / ${total}`;
}

/** A Prometheus query with its legend. */
export function prom(expr: string, legend = '', opts: { instant?: boolean } = {}): cog.Builder<cog.Dataquery> {
  const q = new DataqueryBuilder()
    .datasource(PROMETHEUS)
    .expr(expr)
    .legendFormat(legend || '__auto');
  if (opts.instant) q.instant();
  return q;
}

interface InfluxQLQuery extends cog.Dataquery {
  refId?: string;
  datasource: DataSourceRef;
  /** Raw InfluxQL; `$timeFilter` and `$__interval` are Grafana macros. */
  query: string;
  rawQuery: true;
  resultFormat: 'time_series' | 'table';
  alias?: string;
}

/** A raw InfluxQL query (the SDK has no InfluxDB builder; this is the influxdb plugin's query model). */
export function influx(query: string, alias?: string): cog.Builder<cog.Dataquery> {
  return {
    build(): cog.Dataquery {
      const q: InfluxQLQuery = {
        datasource: INFLUXDB,
        query,
        rawQuery: true,
        resultFormat: 'time_series',
        _implementsDataqueryVariant() {},
      };
      if (alias) q.alias = alias;
      return q;
    },
  };
}

export interface PanelOpts {
  description: string;
  unit?: string;
  span?: number;
  height?: number;
  min?: number;
  max?: number;
  stack?: boolean;
  /** Red above this value. */
  threshold?: number;
  datasource?: DataSourceRef;
}

function thresholds(t: number | undefined): ThresholdsConfigBuilder {
  const steps = [{ value: null as unknown as number, color: 'green' }];
  if (t !== undefined) steps.push({ value: t, color: 'red' });
  return new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps(steps);
}

export function ts(title: string, targets: cog.Builder<cog.Dataquery>[], o: PanelOpts): timeseries.PanelBuilder {
  const p = new timeseries.PanelBuilder()
    .title(title)
    .description(o.description)
    .datasource(o.datasource ?? PROMETHEUS)
    .unit(o.unit ?? 'short')
    .span(o.span ?? 12)
    .height(o.height ?? 8)
    .fillOpacity(o.stack ? 30 : 10)
    .thresholds(thresholds(o.threshold))
    .legend(
      new common.VizLegendOptionsBuilder()
        .showLegend(true)
        .displayMode(common.LegendDisplayMode.Table)
        .placement(common.LegendPlacement.Bottom)
        .calcs(['lastNotNull', 'max']),
    )
    .tooltip(
      new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending),
    );
  if (o.min !== undefined) p.min(o.min);
  if (o.max !== undefined) p.max(o.max);
  if (o.threshold !== undefined)
    p.thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Line));
  if (o.stack) p.stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal));
  for (const t of targets) p.withTarget(t);
  return p;
}

export function single(title: string, targets: cog.Builder<cog.Dataquery>[], o: PanelOpts): stat.PanelBuilder {
  const p = new stat.PanelBuilder()
    .title(title)
    .description(o.description)
    .datasource(o.datasource ?? PROMETHEUS)
    .unit(o.unit ?? 'short')
    .span(o.span ?? 4)
    .height(o.height ?? 4)
    .graphMode(common.BigValueGraphMode.Area)
    .colorMode(common.BigValueColorMode.Value)
    .thresholds(thresholds(o.threshold))
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false));
  if (o.min !== undefined) p.min(o.min);
  if (o.max !== undefined) p.max(o.max);
  for (const t of targets) p.withTarget(t);
  return p;
}

export function note(title: string, markdown: string, span = 24, height = 3): text.PanelBuilder {
  return new text.PanelBuilder().title(title).mode(text.TextMode.Markdown).content(markdown).span(span).height(height);
}

export interface VarOpts {
  label: string;
  description: string;
  multi?: boolean;
}

/** A Prometheus label_values variable, multi-valued with All = `.*` (use it as `label=~"$name"`). */
export function labelVar(name: string, metric: string, label: string, o: VarOpts): QueryVariableBuilder {
  const query = `label_values(${metric}, ${label})`;
  return new QueryVariableBuilder(name)
    .label(o.label)
    .description(o.description)
    .datasource(PROMETHEUS)
    .query(query)
    .definition(query)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc)
    .multi(o.multi ?? true)
    .includeAll(true)
    .allValue('.*')
    .current({ text: 'All', value: '$__all' });
}

export type Item = { row: string } | timeseries.PanelBuilder | stat.PanelBuilder | text.PanelBuilder;

export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  variables?: cog.Builder<VariableModel>[];
  items: Item[];
  /** Start of the default time range. @default 'now-1h' */
  time?: string;
  /** End of the default time range (later than now shows forecasts). @default 'now' */
  timeTo?: string;
}

/** Builds the dashboard and gives every panel a stable id and every query a refId (A, B, ...). */
export function dashboard(spec: DashboardSpec): Dashboard {
  const b = new DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags(['foursignals', ...spec.tags])
    .editable()
    .refresh('30s')
    .time({ from: spec.time ?? 'now-1h', to: spec.timeTo ?? 'now' })
    .timezone('browser')
    .tooltip(DashboardCursorSync.Crosshair);
  for (const item of spec.items) {
    if ('row' in item) b.withRow(new RowBuilder(item.row));
    else b.withPanel(item);
  }
  // the data source variables first: the query variables read through them
  const used = JSON.stringify([b.build().panels, (spec.variables ?? []).map((v) => v.build())]);
  for (const type of Object.keys(DATASOURCE_VARIABLES) as DatasourceType[]) {
    if (used.includes(`\${${type}}`)) b.withVariable(datasourceVariable(type));
  }
  for (const v of spec.variables ?? []) b.withVariable(v);
  const built = b.build() as Dashboard;
  let id = 1;
  for (const panel of built.panels ?? []) {
    panel.id = id++;
    const targets = (panel as { targets?: { refId?: string }[] }).targets ?? [];
    targets.forEach((t, i) => {
      t.refId = String.fromCharCode(65 + i);
    });
  }
  return built;
}
