import type { AlertConfig } from '../config.ts';
import { apiRules } from './api.ts';
import type { RuleFile } from './common.ts';
import { databaseRules } from './databases.ts';
import { mesRules } from './mes.ts';
import { pipelineRules } from './pipeline.ts';
import { s3Rules } from './s3.ts';

export type { AlertingRule, RecordingRule, Rule, RuleFile, RuleGroup } from './common.ts';
export { isAlert, runbookAnchor } from './common.ts';

/** Every rule file, in the order they are written. */
export function ruleFiles(config: AlertConfig): RuleFile[] {
  return [apiRules(config), mesRules(config), databaseRules(config), s3Rules(config), pipelineRules(config)];
}
