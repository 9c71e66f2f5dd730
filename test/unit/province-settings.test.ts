import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProvinceSettings, ocopContactFor, ProvinceSettingsError } from '../../src/ocop/province-settings.js';
import { projectDir } from '../helpers/conversation-harness.js';

async function fileWith(text: string): Promise<string> {
  const file = join(await mkdtemp(join(tmpdir(), 'provinces-')), 'provinces.yaml');
  await writeFile(file, text);
  return file;
}

describe('province council settings', () => {
  it('gives every province the defaults of the project file: one working day, 07:30, spread 10, quorum 3/4 with the chair', () => {
    expect(loadProvinceSettings(join(projectDir, 'rules', 'provinces.yaml'))('75')).toEqual({ leadWorkingDays: 1, officeOpens: '07:30', scoreSpread: 10, extraRounds: [], quorum: { present: 3, of: 4, chairRequired: true }, requestAnswerWorkingDays: 2, ocopContact: null, communeContacts: {} });
  });

  it('lets a province change what differs and keeps the rest', async () => {
    const settings = loadProvinceSettings(
      await fileWith(['defaults:', '  leadWorkingDays: 1', '  officeOpens: "07:30"', '  scoreSpread: 10', '  quorum: { present: 3, of: 4, chairRequired: true }', '  extraRounds: []', '  requestAnswerWorkingDays: 2', '  ocopContact: null', '  communeContacts: {}', 'provinces:', '  "75": { leadWorkingDays: 2 }'].join('\n')),
    );
    expect(settings('75')).toMatchObject({ leadWorkingDays: 2, officeOpens: '07:30', scoreSpread: 10 });
    expect(settings('01').leadWorkingDays).toBe(1);
  });

  it('gives a producer whom to call: their commune OCOP contact, else the province unit, else nobody', async () => {
    const settings = loadProvinceSettings(
      await fileWith([
        'defaults:', '  leadWorkingDays: 1', '  officeOpens: "07:30"', '  scoreSpread: 10', '  quorum: { present: 3, of: 4, chairRequired: true }', '  extraRounds: []', '  requestAnswerWorkingDays: 2', '  ocopContact: null', '  communeContacts: {}',
        'provinces:',
        '  "75": { ocopContact: { name: "Văn phòng Điều phối NTM tỉnh", phone: "02513822000" }, communeContacts: { "26116": { name: "Cán bộ OCOP xã Tân Phú", phone: "0912345678" } } }',
      ].join('\n')),
    );
    expect(ocopContactFor(settings('75'), '26116')).toEqual({ name: 'Cán bộ OCOP xã Tân Phú', phone: '0912345678' });
    expect(ocopContactFor(settings('75'), '26170')).toEqual({ name: 'Văn phòng Điều phối NTM tỉnh', phone: '02513822000' });
    expect(ocopContactFor(settings('01'), '00004')).toBeNull();
    const badPhone = await fileWith(['defaults:', '  leadWorkingDays: 1', '  officeOpens: "07:30"', '  scoreSpread: 10', '  quorum: { present: 3, of: 4, chairRequired: true }', '  extraRounds: []', '  requestAnswerWorkingDays: 2', '  ocopContact: { name: "Tỉnh", phone: "+84 912" }', '  communeContacts: {}', 'provinces: {}'].join('\n'));
    expect(() => loadProvinceSettings(badPhone)).toThrow(/ocopContact\.phone: a phone written 0/);
  });

  it('refuses a bad time, a quorum above its whole, a round that closes before its proposals, and a province code that is not two digits', async () => {
    const broken = await fileWith(['defaults:', '  leadWorkingDays: 1', '  officeOpens: "7h30"', '  scoreSpread: 10', '  quorum: { present: 5, of: 4, chairRequired: true }', '  extraRounds: [{ proposeBefore: "09-30", closesBefore: "08-01" }]', 'provinces:', '  "Đồng Nai": { leadWorkingDays: 2 }'].join('\n'));
    expect(() => loadProvinceSettings(broken)).toThrow(ProvinceSettingsError);
    expect(() => loadProvinceSettings(broken)).toThrow(/officeOpens: a time written hh:mm[\s\S]*extraRounds\.0: a round closes after[\s\S]*present cannot exceed of[\s\S]*provinces\.Đồng Nai/);
  });
});
