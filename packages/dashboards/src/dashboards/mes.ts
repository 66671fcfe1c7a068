// MES and its queue (USE): CPU and memory of the MES API and worker, orders in flight, consumers, dead letters by
// reason, production throughput and the backlog forecast against its limit.
import { type AlertConfig, durationSeconds } from '../config.ts';
import { cpuOf, L, M, SOURCES } from '../metrics.ts';
import { anyOf } from '../rules/common.ts';
import { type Dashboard, dashboard, labelVar, prom, single, ts } from './lib.ts';

const Q = `${L.queue}=~"$queue"`;

export function mesDashboard(config: AlertConfig): Dashboard {
  const mes = `${L.service}=~"${anyOf(config.mes.services)}"`;
  const q = config.queues;
  return dashboard({
    uid: 'foursignals-mes',
    title: 'foursignals / MES and queue (USE)',
    description:
      'Utilisation and saturation of the MES cost calculation: CPU and memory of the MES processes, orders ' +
      'waiting in RabbitMQ, consumers, dead-lettered orders by reason, and the backlog trend against its limit.',
    tags: ['use', 'mes', 'rabbitmq'],
    variables: [
      labelVar('queue', `${M.rmq.queueMessages}`, L.queue, {
        label: 'Queue',
        description: 'rabbitmq.queue.name',
      }),
    ],
    items: [
      { row: 'Utilisation' },
      ts('CPU utilization', [prom(`max by (${L.service}) (${cpuOf(mes)})`, `{{${L.service}}}`)], {
        description: `${SOURCES.app.cpuUtilization.name} of ${config.mes.services.join(', ')} (share of the CPUs available). Alert MesCpuSaturated above ${config.mes.cpuUtilization * 100}%.`,
        unit: 'percentunit',
        min: 0,
        threshold: config.mes.cpuUtilization,
      }),
      ts('Memory (RSS)', [prom(`max by (${L.service}) (${M.app.memoryUsage}{${mes}})`, `{{${L.service}}}`)], {
        description: `${SOURCES.app.memoryUsage.name} of the MES processes. Alert MesMemoryHigh above the configured bytes.`,
        unit: 'bytes',
        min: 0,
        threshold: config.mes.memoryBytes,
      }),
      { row: 'Saturation: the queue' },
      single('Orders in flight', [prom(`sum(${M.rmq.queueMessages}{${Q}})`)], {
        description: 'Messages in the selected queues, ready + unacknowledged: orders waiting for calculation.',
        span: 6,
      }),
      single('Consumers', [prom(`sum(${M.rmq.queueConsumers}{${Q}})`)], {
        description: 'Consumers on the selected queues; 0 on a work queue with messages = MesQueueNoConsumers.',
        span: 6,
      }),
      single(
        'Orders calculated per minute',
        [prom(`sum(rate(${M.business.mesOrdersCalculated}[$__rate_interval])) * 60`)],
        {
          description: `${SOURCES.business.mesOrdersCalculated.name} per minute: the production load the MES worker handles.`,
          span: 6,
        },
      ),
      single('Dead letters per minute', [prom(`sum(rate(${M.rmq.deadLettered}{${Q}}[$__rate_interval])) * 60`)], {
        description: 'Messages dead-lettered per minute from the selected queues.',
        span: 6,
        threshold: 1,
      }),
      ts(
        'Messages by queue and state',
        [
          prom(
            `sum by (${L.queue}, ${L.messageState}) (${M.rmq.queueMessages}{${Q}})`,
            `{{${L.queue}}} {{${L.messageState}}}`,
          ),
        ],
        { description: `${SOURCES.rmq.queueMessages.name} by queue and state (ready, unacknowledged).`, stack: true },
      ),
      ts('Consumers by queue', [prom(`sum by (${L.queue}) (${M.rmq.queueConsumers}{${Q}})`, `{{${L.queue}}}`)], {
        description: `${SOURCES.rmq.queueConsumers.name} by queue.`,
        min: 0,
      }),
      ts(
        'Dead letters per minute by reason and queue',
        [
          prom(
            `sum by (${L.queue}, ${L.deadLetterReason}) (rate(${M.rmq.deadLettered}{${Q}}[$__rate_interval])) * 60`,
            `{{${L.queue}}} {{${L.deadLetterReason}}}`,
          ),
        ],
        {
          description:
            `${SOURCES.rmq.deadLettered.name} per minute by the queue the message died in and the reason: rejected ` +
            '(invalid orders), expired (waited too long), maxlen (overflow), delivery_limit (poison messages).',
          stack: true,
        },
      ),
      ts(
        'Dead-letter queue depth',
        [prom(`sum by (${L.queue}) (${M.rmq.deadLetterQueueMessages})`, `{{${L.queue}}}`)],
        {
          description:
            `${SOURCES.rmq.deadLetterQueueMessages.name}: messages waiting in every real dead-letter queue (orders to inspect ` +
            'and re-publish).',
          min: 0,
        },
      ),
      ts(
        'Orders received vs calculated per minute',
        [
          prom(`sum(rate(${M.business.mesOrdersReceived}[$__rate_interval])) * 60`, 'received'),
          prom(`sum(rate(${M.business.mesOrdersCalculated}[$__rate_interval])) * 60`, 'calculated'),
        ],
        { description: 'Orders the MES API accepted vs orders the worker finished: a gap means the backlog grows.' },
      ),
      ts(
        `Backlog forecast (${q.predictAhead} ahead) vs limit`,
        [
          prom(`sum by (${L.queue}) (${M.rmq.queueMessages}{${Q}})`, '{{' + L.queue + '}} now'),
          prom(
            `predict_linear(sum by (${L.queue}) (${M.rmq.queueMessages}{${Q}})[${q.predictWindow}:1m], ${durationSeconds(q.predictAhead)})`,
            `{{${L.queue}}} in ${q.predictAhead}`,
          ),
        ],
        {
          description:
            `The backlog and its linear prediction ${q.predictAhead} ahead from the last ${q.predictWindow} ` +
            `(predict_linear); the red line is the limit of ${q.backlogLimit} (alert MesBacklogPredictedOverLimit).`,
          threshold: q.backlogLimit,
          span: 12,
        },
      ),
    ],
  });
}
