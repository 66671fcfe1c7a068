// MES (USE): CPU and memory of the cost calculation, and its queue: orders in flight, consumers, dead letters,
// and the early warning that the backlog will pass its limit within the hour.
import type { AlertConfig } from '../config.ts';
import { durationSeconds } from '../config.ts';
import { cpuOf, L, M, SOURCES } from '../metrics.ts';
import { alert, anyOf, num, type RuleFile, recordName } from './common.ts';

export const QUEUE_BACKLOG = recordName([L.vhost, L.queue], M.rmq.queueMessages, 'sum');
/** Messages in the work queues (no label kept): the orders in flight. */
export const ORDERS_IN_FLIGHT = recordName([], 'orders_in_flight', 'sum');
export const DEAD_LETTERS_RATE = recordName([L.vhost, L.queue, L.deadLetterReason], M.rmq.deadLettered, 'rate5m');

export function workQueueMatchers(config: AlertConfig): string {
  return `${L.queue}=~"${config.queues.workQueues}", ${L.queue}!~"${config.queues.notWorkQueues}"`;
}

export function mesRules(config: AlertConfig): RuleFile {
  const q = config.queues;
  const mes = `${L.service}=~"${anyOf(config.mes.services)}"`;
  const work = workQueueMatchers(config);
  const byQueue = `${L.vhost}, ${L.queue}`;
  // dead-letter reasons: lost to overflow or a poison loop, or the everyday invalid and late orders
  const LOST = `${L.deadLetterReason}=~"maxlen|delivery_limit"`;
  const EVERYDAY = `${L.deadLetterReason}=~"rejected|expired"`;
  const usual = `avg_over_time(${DEAD_LETTERS_RATE}[1d] offset 30m)`;
  return {
    name: 'mes',
    groups: [
      {
        name: 'foursignals-mes',
        rules: [
          { record: QUEUE_BACKLOG, expr: `sum by (${byQueue}) (${M.rmq.queueMessages})` },
          { record: ORDERS_IN_FLIGHT, expr: `sum(${M.rmq.queueMessages}{${work}})` },
          {
            record: DEAD_LETTERS_RATE,
            expr: `sum by (${byQueue}, ${L.deadLetterReason}) (rate(${M.rmq.deadLettered}[5m]))`,
          },

          // alerts after the records they read: rules in one group run in order, so they see this round's values
          alert(config, {
            alert: 'MesCpuSaturated',
            expr: `max by (${L.service}) (${cpuOf(mes)}) > ${num(config.mes.cpuUtilization)}`,
            for: config.mes.cpuFor,
            severity: 'warning',
            summary: `{{ $labels.${L.service} }} uses {{ $value | humanizePercentage }} of its CPUs`,
            description:
              `${SOURCES.app.cpuUtilization.name} of {{ $labels.${L.service} }} has stayed above ` +
              `${num(config.mes.cpuUtilization * 100)}% for ${config.mes.cpuFor}: the cost calculation is CPU-bound ` +
              'and orders will queue up.',
          }),
          alert(config, {
            alert: 'MesMemoryHigh',
            expr: `max by (${L.service}) (${M.app.memoryUsage}{${mes}}) > ${num(config.mes.memoryBytes)}`,
            for: config.mes.memoryFor,
            severity: 'warning',
            summary: `{{ $labels.${L.service} }} holds {{ $value | humanize1024 }}B of memory`,
            description:
              `The resident memory of {{ $labels.${L.service} }} has stayed above ${num(config.mes.memoryBytes)} ` +
              `bytes for ${config.mes.memoryFor}: a leak or an oversized batch; it will be killed when it reaches ` +
              'its limit.',
          }),
          alert(config, {
            alert: 'MesQueueNoConsumers',
            expr:
              `${QUEUE_BACKLOG}{${work}} > 0\n` +
              `and on (${byQueue})\n(sum by (${byQueue}) (${M.rmq.queueConsumers}) == 0)`,
            for: q.noConsumersFor,
            severity: 'critical',
            summary: `Queue {{ $labels.${L.queue} }} holds orders and nobody consumes them`,
            description:
              `{{ $value }} messages wait in {{ $labels.${L.queue} }} (vhost {{ $labels.${L.vhost} }}) and the ` +
              `queue has had no consumer for ${q.noConsumersFor}: the MES worker is down or disconnected; ` +
              'no order is being calculated.',
          }),
          alert(config, {
            alert: 'MesBacklogGrowing',
            expr:
              `${QUEUE_BACKLOG}{${work}}\n` +
              `and\nmin_over_time(${QUEUE_BACKLOG}{${work}}[${q.growthWindow}]) > 0\n` +
              `and\nderiv(${QUEUE_BACKLOG}{${work}}[${q.growthWindow}]) > 0`,
            for: q.growingFor,
            severity: 'warning',
            summary: `Orders pile up in {{ $labels.${L.queue} }}`,
            description:
              `The backlog of {{ $labels.${L.queue} }} (now {{ $value }} messages) has grown for ` +
              `${q.growingFor} without being drained once in ${q.growthWindow}: consumers are slower than ` +
              'producers or make no progress.',
          }),
          alert(config, {
            alert: 'MesBacklogPredictedOverLimit',
            expr:
              `predict_linear(${QUEUE_BACKLOG}{${work}}[${q.predictWindow}], ${durationSeconds(q.predictAhead)})` +
              ` > ${num(q.backlogLimit)}\nand\n${QUEUE_BACKLOG}{${work}} <= ${num(q.backlogLimit)}\n` +
              `and\n${QUEUE_BACKLOG}{${work}} > ${num(q.backlogLimit * q.predictMinRatio)}`,
            for: '5m',
            severity: 'warning',
            summary: `Queue {{ $labels.${L.queue} }} will pass its limit within ` + q.predictAhead,
            description:
              `At the trend of the last ${q.predictWindow}, the backlog of {{ $labels.${L.queue} }} reaches ` +
              `{{ $value | humanize }} messages within ${q.predictAhead}, past the limit of ${num(q.backlogLimit)} ` +
              `(checked once the backlog is above ${num(q.predictMinRatio * 100)}% of the limit).`,
          }),
          alert(config, {
            alert: 'MesBacklogOverLimit',
            expr: `${QUEUE_BACKLOG}{${work}} > ${num(q.backlogLimit)}`,
            for: '5m',
            severity: 'critical',
            summary: `Queue {{ $labels.${L.queue} }} is past its backlog limit`,
            description:
              `{{ $value }} messages wait in {{ $labels.${L.queue} }}, more than the limit of ` +
              `${num(q.backlogLimit)}: orders wait too long and start to expire or overflow into dead letters.`,
          }),
          alert(config, {
            alert: 'MesDeadLetters',
            expr: `sum by (${byQueue}, ${L.deadLetterReason}) ` + `(increase(${M.rmq.deadLettered}{${LOST}}[5m])) > 0`,
            severity: 'warning',
            summary: `Orders lost from {{ $labels.${L.queue} }} ({{ $labels.${L.deadLetterReason} }})`,
            description:
              `{{ $value | humanize }} messages died in {{ $labels.${L.queue} }} in the last 5 minutes with ` +
              `reason {{ $labels.${L.deadLetterReason} }} (maxlen = the queue overflowed, delivery_limit = a ` +
              'poison message was redelivered until the broker gave up). Neither happens in a healthy system.',
          }),
          alert(config, {
            alert: 'MesDeadLettersAboveUsual',
            expr:
              `${DEAD_LETTERS_RATE}{${EVERYDAY}} > ${num(q.deadLettersFloorPerMinute / 60)}
` +
              `and
(
  ${DEAD_LETTERS_RATE} > ${num(q.deadLetterFactor)} * ${usual}
` +
              `  or
  ${DEAD_LETTERS_RATE} unless ${usual}
)`,
            for: q.deadLettersFor,
            severity: 'warning',
            summary: `{{ $labels.${L.queue} }} dead-letters more {{ $labels.${L.deadLetterReason} }} orders than usual`,
            description:
              `{{ $value | humanize }} messages/s died in {{ $labels.${L.queue} }} with reason ` +
              `{{ $labels.${L.deadLetterReason} }} over the last 5 minutes, for ${q.deadLettersFor}: more than ` +
              `${num(q.deadLetterFactor)}x the queue's mean of the day before and more than ` +
              `${num(q.deadLettersFloorPerMinute)} a minute (rejected = invalid orders, expired = orders that ` +
              'waited past their deadline). A trickle of both is everyday; this is not.',
          }),
        ],
      },
    ],
  };
}
