import { randomUUID } from 'crypto';
import { AccountState } from './aws-stand-ins';
import { evaluateName, UNIQUE_NAMES } from './physical-names';

export const REGION = 'us-east-1';
export const ACCOUNT = '123456789012';

/** A custom resource's provider: answers one request with SUCCESS or a failure reason. */
export type CustomResourceProvider = (request: 'Create' | 'Update' | 'Delete', logicalId: string, properties: any, stackId: string) => Promise<string | undefined>;

/** An account and region: the physical names taken in it (by live or kept resources) and the instances. */
export class Account {
  public readonly names = new Map<string, string>();
  public readonly state: AccountState = { instances: new Map(), stackStatus: '' };
}

export interface Outcome {
  readonly status: string;
  /** Why it failed, as CloudFormation's events would say, one per failed resource. */
  readonly reasons: string[];
}

/**
 * What CloudFormation does with a template, as far as a failed create, its retry and a stack
 * deletion depend on it: resources are created in dependency order (DependsOn, Ref, GetAtt, Sub);
 * when one fails, every resource that does not depend on it has been created (the worst case of
 * CloudFormation's parallel creation), and the rollback deletes them in reverse order, keeping those
 * whose DeletionPolicy is `Retain` (`RetainExceptOnCreate` and `Snapshot` are deleted); a stack
 * deletion keeps `Retain` and `RetainExceptOnCreate`. A physical name taken in the account, by a
 * live or a kept resource, fails the create (`AlreadyExists`); an instance with deletion protection
 * fails its deletion (ROLLBACK_FAILED, DELETE_FAILED). Custom resources are sent Create and Delete.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-deletionpolicy.html
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stack-failure-options.html
 */
export class StackModel {
  public stackId = '';
  private created: string[] = [];
  private readonly resources: Record<string, any>;

  constructor(private readonly account: Account, private readonly stackName: string, template: any,
    private readonly providers: Record<string, CustomResourceProvider> = {}) {
    this.resources = template.Resources;
  }

  /** Create the stack; `failing` names a resource whose own creation fails. */
  public async create(failing?: string): Promise<Outcome> {
    this.stackId = `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${this.stackName}/${randomUUID()}`;
    this.created = [];
    this.account.state.stackStatus = 'CREATE_IN_PROGRESS';
    const reasons: string[] = [];
    const blocked = failing ? this.dependentsOf(failing) : new Set<string>();
    for (const id of this.order()) {
      if (blocked.has(id)) continue;
      const reason = id === failing ? 'Resource creation failed (injected)' : await this.provision(id);
      if (reason) reasons.push(`${id} (${this.resources[id].Type}) CREATE_FAILED: ${reason}`);
      else this.created.push(id);
    }
    if (reasons.length === 0) return { status: (this.account.state.stackStatus = 'CREATE_COMPLETE'), reasons };
    this.account.state.stackStatus = 'ROLLBACK_IN_PROGRESS';
    const left = await this.deleteCreated(policy => policy === 'Retain');
    return { status: (this.account.state.stackStatus = left.length ? 'ROLLBACK_FAILED' : 'ROLLBACK_COMPLETE'), reasons: [...reasons, ...left] };
  }

  /** Delete the stack (`cdk destroy`). */
  public async delete(): Promise<Outcome> {
    this.account.state.stackStatus = 'DELETE_IN_PROGRESS';
    const left = await this.deleteCreated(policy => policy === 'Retain' || policy === 'RetainExceptOnCreate');
    return { status: (this.account.state.stackStatus = left.length ? 'DELETE_FAILED' : 'DELETE_COMPLETE'), reasons: left };
  }

  /** The physical name a resource asks for in this creation of the stack, if it names itself. */
  public physicalName(id: string): string | undefined {
    const resource = this.resources[id];
    const pick = UNIQUE_NAMES[resource.Type];
    const context = { stackName: this.stackName, stackId: this.stackId, region: REGION, account: ACCOUNT };
    return pick && evaluateName(pick(resource.Properties ?? {}), context);
  }

  private async provision(id: string): Promise<string | undefined> {
    const { Type: type, Properties: props = {} } = this.resources[id];
    const name = this.physicalName(id);
    if (name !== undefined && this.account.names.has(`${type} ${name}`)) {
      return `${name} already exists (${this.account.names.get(`${type} ${name}`)})`;
    }
    if (type === 'AWS::RDS::DBInstance') {
      // Right after it is created, an instance takes its first backup and refuses modifications once.
      this.account.state.instances.set(name!, { deletionProtection: props.DeletionProtection === true || props.DeletionProtection === 'true', busyFor: 1 });
    }
    const provider = this.providers[type];
    const reason = provider ? await provider('Create', id, props, this.stackId) : undefined;
    if (!reason && name !== undefined) this.account.names.set(`${type} ${name}`, `${this.stackName}/${id}`);
    return reason;
  }

  private async deleteCreated(keep: (policy: string) => boolean): Promise<string[]> {
    const failures: string[] = [];
    for (const id of [...this.created].reverse()) {
      const { Type: type, Properties: props = {}, DeletionPolicy: policy = 'Delete' } = this.resources[id];
      const name = this.physicalName(id);
      if (keep(policy)) continue; // kept: its name stays taken
      const instance = type === 'AWS::RDS::DBInstance' ? this.account.state.instances.get(name!) : undefined;
      if (instance?.deletionProtection) {
        failures.push(`${id} (${type}) DELETE_FAILED: Cannot delete protected DB Instance, please disable deletion protection and try again.`);
        continue;
      }
      const provider = this.providers[type];
      const reason = provider ? await provider('Delete', id, props, this.stackId) : undefined;
      if (reason) {
        failures.push(`${id} (${type}) DELETE_FAILED: ${reason}`);
        continue;
      }
      if (instance) this.account.state.instances.delete(name!);
      if (name !== undefined) this.account.names.delete(`${type} ${name}`);
    }
    return failures;
  }

  /** Logical ids in an order CloudFormation may create them: each after everything it depends on. */
  public order(): string[] {
    const done = new Set<string>();
    const out: string[] = [];
    const visit = (id: string, path: string[]) => {
      if (done.has(id)) return;
      if (path.includes(id)) throw new Error(`circular dependency: ${[...path, id].join(' -> ')}`);
      for (const dep of this.dependenciesOf(id)) visit(dep, [...path, id]);
      done.add(id);
      out.push(id);
    };
    for (const id of Object.keys(this.resources)) visit(id, []);
    return out;
  }

  private dependenciesOf(id: string): Set<string> {
    const resource = this.resources[id];
    const deps = new Set<string>([resource.DependsOn ?? []].flat());
    const walk = (v: any): void => {
      if (Array.isArray(v)) {v.forEach(walk);} else if (v && typeof v === 'object') {
        if (typeof v.Ref === 'string' && this.resources[v.Ref]) deps.add(v.Ref);
        if (v['Fn::GetAtt'] && this.resources[v['Fn::GetAtt'][0]]) deps.add(v['Fn::GetAtt'][0]);
        if (typeof v['Fn::Sub'] === 'string') for (const m of v['Fn::Sub'].matchAll(/\$\{([A-Za-z0-9]+)/g)) if (this.resources[m[1]]) deps.add(m[1]);
        Object.values(v).forEach(walk);
      }
    };
    walk(resource.Properties);
    return deps;
  }

  private dependentsOf(failing: string): Set<string> {
    const out = new Set<string>();
    let grew = true;
    while (grew) {
      grew = false;
      for (const id of Object.keys(this.resources)) {
        if (out.has(id) || id === failing) continue;
        if ([...this.dependenciesOf(id)].some(d => d === failing || out.has(d))) {
          out.add(id);
          grew = true;
        }
      }
    }
    return out;
  }
}
