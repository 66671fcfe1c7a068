// Business statistics from InfluxDB (long-term analytics): new users, orders and revenue, production load, DAU,
// and Holt-Winters forecasts of revenue and production load with the method and its backtest error stated.
//
// The collector writes InfluxDB with the telegraf-prometheus-v1 schema: measurement = the OpenTelemetry metric name,
// field `counter` for sums (cumulative, per process) and `gauge` for gauges, one tag per attribute and resource
// attribute. Per-interval increments are taken per series (non_negative_difference of the last value per interval,
// so process restarts are not counted as negative) and then summed over series.
import { CustomVariableBuilder, type VariableOption } from '@grafana/grafana-foundation-sdk/dashboard';
import type { AlertConfig } from '../config.ts';
import { FORECAST_MEASUREMENT, FORECASTS } from '../forecast.ts';
import { forecastQuery, increaseQuery } from '../influxql.ts';
import { SOURCES } from '../metrics.ts';
import { type Dashboard, dashboard, INFLUXDB, influx, note, single, ts } from './lib.ts';

function custom(name: string, label: string, description: string, values: string[], current: string) {
  const options: VariableOption[] = values.map((v) => ({ text: v, value: v, selected: v === current }));
  return new CustomVariableBuilder(name)
    .label(label)
    .description(description)
    .values(values.join(','))
    .options(options)
    .current({ text: current, value: current });
}

export function businessDashboard(_config: AlertConfig): Dashboard {
  const revenue = SOURCES.business.shopRevenue.name;
  const calculated = SOURCES.business.mesOrdersCalculated.name;
  const forecastPanel = (title: string, measurement: string, unit: string) =>
    ts(
      title,
      [
        influx(increaseQuery(measurement), 'actual'),
        influx(forecastQuery(measurement), 'Holt-Winters fit and forecast'),
      ],
      {
        description:
          `Forecast method: Holt-Winters triple exponential smoothing (InfluxQL HOLT_WINTERS_WITH_FIT) on the ` +
          `increase of ${measurement} per $granularity, seasonal period $season intervals (0 = no seasonality: Holt's ` +
          'linear trend), $ahead intervals ahead; the fitted past is drawn over the actual values. Error on past data: ' +
          'the backtest panels below (mean absolute percentage error of a forecast made without the last intervals, ' +
          'against what happened), written by `npm run forecast-backtest -w packages/dashboards`.',
        unit,
        datasource: INFLUXDB,
        span: 12,
        height: 9,
      },
    );
  const backtest = (f: (typeof FORECASTS)[number]) =>
    single(
      `Forecast error on past data: ${f.title}`,
      [
        influx(
          `SELECT last("mape") FROM "${FORECAST_MEASUREMENT}" WHERE "series"='${f.measurement}' AND $timeFilter`,
          'MAPE',
        ),
      ],
      {
        description:
          `Mean absolute percentage error of the Holt-Winters forecast of ${f.measurement} on its last backtest ` +
          '(forecast made from the history without its last intervals, compared with the actual increase).',
        unit: 'percentunit',
        datasource: INFLUXDB,
        span: 12,
      },
    );
  return dashboard({
    uid: 'foursignals-business',
    title: 'foursignals / Business (InfluxDB)',
    description:
      'Business statistics kept in InfluxDB for long-term analytics: new users, customers, orders and revenue, ' +
      'production load, daily active users, and forecasts of revenue and production load.',
    tags: ['business', 'influxdb', 'forecast'],
    time: 'now-30d',
    // the forecasts lie in the future: the default range reaches two days ahead
    timeTo: 'now+2d',
    variables: [
      custom('granularity', 'Interval', 'Aggregation interval (GROUP BY time)', ['1m', '1h', '1d'], '1h'),
      custom(
        'season',
        'Season',
        'Seasonal period of the forecast, in intervals (24 = daily at 1h, 7 = weekly at 1d, 0 = none)',
        ['0', '7', '24'],
        '24',
      ),
      custom('ahead', 'Forecast', 'Intervals to forecast', ['12', '24', '48', '90'], '24'),
    ],
    items: [
      { row: 'Growth' },
      ts('New users', [influx(increaseQuery(SOURCES.business.usersNew.name), 'new users')], {
        description: `${SOURCES.business.usersNew.name}: users of the MES API seen for the first time, per $granularity.`,
        datasource: INFLUXDB,
        span: 8,
      }),
      ts('New customers', [influx(increaseQuery(SOURCES.business.customersCreated.name), 'customers')], {
        description: `${SOURCES.business.customersCreated.name}: customers created in the CRM per $granularity.`,
        datasource: INFLUXDB,
        span: 8,
      }),
      ts(
        'Daily active users (MES API)',
        [
          influx(
            `SELECT max("gauge") FROM "${SOURCES.app.usersActive.name}" WHERE "app.users.window"='day' AND $timeFilter GROUP BY time($granularity)`,
            'DAU',
          ),
        ],
        {
          description: `${SOURCES.app.usersActive.name} (window day): distinct users per UTC day, over months.`,
          datasource: INFLUXDB,
          span: 8,
        },
      ),
      { row: 'Sales and production' },
      ts('Shop orders', [influx(increaseQuery(SOURCES.business.shopOrders.name), 'orders')], {
        description: `${SOURCES.business.shopOrders.name}: orders placed per $granularity.`,
        datasource: INFLUXDB,
        span: 8,
      }),
      ts('Revenue (EUR)', [influx(increaseQuery(revenue), 'revenue')], {
        description: `${revenue}: revenue of paid orders per $granularity, in euros.`,
        unit: 'currencyEUR',
        datasource: INFLUXDB,
        span: 8,
      }),
      ts(
        'Production load',
        [
          influx(increaseQuery(SOURCES.business.mesOrdersReceived.name), 'orders received'),
          influx(increaseQuery(calculated), 'orders calculated'),
        ],
        {
          description: `${SOURCES.business.mesOrdersReceived.name} and ${calculated}: cost-calculation orders per $granularity.`,
          datasource: INFLUXDB,
          span: 8,
        },
      ),
      { row: 'Forecasts' },
      note(
        'How the forecasts are made',
        'Holt-Winters (triple exponential smoothing: level, trend and a seasonal component) as InfluxDB implements ' +
          'it in `HOLT_WINTERS_WITH_FIT(sum(increase), $ahead, $season)`, over the increase per **$granularity**. ' +
          'Choose the seasonal period to match the interval (24 at 1h = a daily cycle, 7 at 1d = a weekly cycle). ' +
          'The error on past data is a backtest: the same forecast made without the last intervals, compared with ' +
          'what happened (MAPE), run by `npm run forecast-backtest -w packages/dashboards` and shown below.',
      ),
      forecastPanel('Revenue forecast (EUR)', revenue, 'currencyEUR'),
      forecastPanel('Production load forecast (orders calculated)', calculated, 'short'),
      ...FORECASTS.map(backtest),
    ],
  });
}
