/**
 * The physical names AWS requires to be unique per account and region (per VPC for security
 * groups), by resource type: where CloudFormation finds a name the resource must not share.
 */
export const UNIQUE_NAMES: Record<string, (props: any) => unknown> = {
  'AWS::RDS::DBProxy': p => p.DBProxyName,
  'AWS::RDS::DBInstance': p => p.DBInstanceIdentifier,
  'AWS::RDS::DBParameterGroup': p => p.DBParameterGroupName,
  'AWS::RDS::DBSubnetGroup': p => p.DBSubnetGroupName,
  'AWS::Logs::LogGroup': p => p.LogGroupName,
  'AWS::Backup::BackupVault': p => p.BackupVaultName,
  'AWS::Backup::BackupPlan': p => p.BackupPlan?.BackupPlanName,
  'AWS::Lambda::Function': p => p.FunctionName,
  'AWS::Serverless::Application': p => p.Parameters?.functionName,
  'AWS::EC2::LaunchTemplate': p => p.LaunchTemplateName,
  'AWS::EC2::SecurityGroup': p => p.GroupName,
  'AWS::IAM::Role': p => p.RoleName,
  'AWS::IAM::InstanceProfile': p => p.InstanceProfileName,
  'AWS::IAM::ManagedPolicy': p => p.ManagedPolicyName,
  'AWS::SecretsManager::Secret': p => p.Name,
  'AWS::KMS::Alias': p => p.AliasName,
  'AWS::CloudWatch::Alarm': p => p.AlarmName,
  'AWS::CloudWatch::CompositeAlarm': p => p.AlarmName,
  'AWS::CloudWatch::Dashboard': p => p.DashboardName,
  'AWS::SNS::Topic': p => p.TopicName,
  'AWS::Events::Rule': p => p.Name,
  'AWS::ApiGateway::RestApi': p => p.Name,
};

/** What a name is evaluated against: the stack being created, and the attributes of its resources. */
export interface NameContext {
  readonly stackName: string;
  /** `arn:aws:cloudformation:<region>:<account>:stack/<name>/<uuid>`: new for every creation. */
  readonly stackId: string;
  readonly region: string;
  readonly account: string;
  /** The value of another resource's `Ref` or attribute; by default, one unique to this stack creation. */
  readonly attribute?: (logicalId: string, attribute?: string) => string;
}

/**
 * The name as deployed: literal strings, the pseudo parameters, and the intrinsics CDK builds names
 * with. A name made from another resource's attribute is unique with that resource; one left out
 * (undefined) lets CloudFormation generate a unique name.
 */
export function evaluateName(value: unknown, ctx: NameContext): string | undefined {
  if (value === undefined) return undefined;
  const ev = (v: unknown): any => evaluateName(v, ctx);
  if (typeof value === 'string') return value;
  const v = value as any;
  const pseudo: Record<string, string> = {
    'AWS::StackName': ctx.stackName,
    'AWS::StackId': ctx.stackId,
    'AWS::Region': ctx.region,
    'AWS::AccountId': ctx.account,
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::Partition': 'aws',
  };
  if (typeof v.Ref === 'string' && pseudo[v.Ref] !== undefined) return pseudo[v.Ref];
  const attribute = ctx.attribute ?? ((id: string, attr?: string) => `<${attr ?? 'Ref'} of ${ctx.stackId}/${id}>`);
  if (v.Ref) return attribute(v.Ref);
  if (v['Fn::GetAtt']) return attribute(v['Fn::GetAtt'][0], v['Fn::GetAtt'][1]);
  if (v['Fn::Join']) return v['Fn::Join'][1].map(ev).join(v['Fn::Join'][0]);
  if (v['Fn::Split']) return JSON.stringify(ev(v['Fn::Split'][1]).split(v['Fn::Split'][0]));
  if (v['Fn::Select']) {
    const list = v['Fn::Select'][1];
    const items: string[] = Array.isArray(list) ? list.map(ev) : JSON.parse(ev(list));
    return items[Number(v['Fn::Select'][0])];
  }
  throw new Error(`cannot evaluate the name ${JSON.stringify(value)}: teach evaluateName its intrinsic`);
}
