//! The PDF screening report an officer files with the approval: it must
//! stand on its own a year later — what was checked, against which data
//! (with SHA-256 of every input), with what result, and why (the plan's
//! clauses), with a map of every parcel that touches a zone.
//!
//! Chinese throughout, in the bundled Noto Sans SC, embedded as a subset so
//! the text stays copyable and the file small. Same inputs and the same
//! report time give a byte-identical file.

pub mod layout;
mod map;
mod table;

use krilla::metadata::{DateTime, Metadata};

use self::layout::{Attachment, Color, Doc, Fonts, BLACK, CONTENT_W, GREY};
use self::table::{table, Align, Column};
use crate::catalog::Rule;
use crate::index::ZoneIndex;
use crate::io::Feature;
use crate::plan::LoadedPlan;
use crate::project::Project;
use crate::record::entries::Recorded;
use crate::record::{DecisionRecord, Ruling};
use crate::report::meta::{BasemapInReport, CaseInReport, ReportMeta};
use crate::report::rows::{layer_accounts, screened_result, tool_verdict};
use crate::report::statement::{self, Statement};
use crate::report::{two_decimals, CROSSES_WATER};
use crate::screen::{FindingVerdict, ParcelResult, Screening, Verdict};

pub use self::layout::CJK_FONT;

const TITLE: &str = "生态空间管控筛查报告";

fn verdict_color(verdict: Verdict) -> Color {
    match verdict {
        Verdict::Conflict => Color(200, 0, 0),
        Verdict::Review => Color(200, 110, 0),
        Verdict::Clear => Color(0, 125, 60),
        Verdict::Outside => Color(0, 110, 120),
    }
}

/// A distance in a column of metres: the number, or that the river crosses.
fn water_cell(distance_m: f64) -> String {
    if distance_m > 0.0 {
        two_decimals(distance_m)
    } else {
        CROSSES_WATER.0.to_string()
    }
}

/// The report as PDF bytes. `index` is the one the screening used; the
/// overlap polygons drawn are recomputed from it (see
/// [`crate::finding_shape`]).
pub fn render(
    plan: &LoadedPlan,
    index: &ZoneIndex,
    screening: &Screening,
    meta: &ReportMeta,
) -> Result<Vec<u8>, String> {
    let mut doc = Doc::new(Fonts::load()?);
    front_page(&mut doc, plan, screening, meta);

    // Conflicts first, then reviews, then parcels with only boundary contact.
    let mut sections: Vec<(&Feature, &ParcelResult)> = screening
        .screened()
        .filter(|(_, r)| !r.findings.is_empty())
        .collect();
    sections.sort_by_key(|(_, r)| std::cmp::Reverse(r.verdict));
    for (number, (parcel, result)) in sections.iter().enumerate() {
        parcel_section(
            &mut doc,
            plan,
            index,
            number + 1,
            (parcel, result),
            meta.basemap.as_ref(),
        );
        decisions_beside(&mut doc, plan, meta, parcel, result);
    }
    if let Some(case) = &meta.case {
        decisions_section(&mut doc, plan, case, screening);
    }
    appendices(&mut doc, plan, screening);

    let footer = format!(
        "redline {} · {} · 操作人 {}",
        meta.tool_version,
        meta.time.display_zh(),
        meta.operator
    );
    doc.add_running_header_and_footer(&plan.catalog.name, &footer);
    let c = meta.time.beijing();
    let date = DateTime::new(u16::try_from(c.year).unwrap_or(1970))
        .month(c.month)
        .day(c.day)
        .hour(c.hour)
        .minute(c.minute)
        .second(c.second)
        .utc_offset_hour(8)
        .utc_offset_minute(0);
    let metadata = Metadata::new()
        .title(format!("{TITLE} — {}", plan.catalog.name))
        .creator(format!("redline {}", meta.tool_version))
        .authors(vec![meta.operator.clone()])
        .language("zh-CN".to_string())
        .creation_date(date);
    let statement = Statement::of(&plan.catalog.name, meta);
    doc.finish(
        metadata,
        Attachment {
            name: statement::ATTACHMENT,
            description:
                "redline 报告声明：输入文件 SHA-256、案卷与审查意见记录（redline verify 读取）",
            json: statement.to_json(),
            date,
        },
    )
}

fn cells<const N: usize>(items: [&str; N]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// How the admission lists decide, for the front page's rules.
const ADMISSION_RULE: &str = "位于环境管控单元的地块，按其项目情况对照所在单元的生态环境准入清单：禁止类条款适用即不符合，限制类即需论证，要求类列为审批条件；条款所依的项目情况未知时列为“待确认”，不改变结论。";

fn front_page(doc: &mut Doc, plan: &LoadedPlan, screening: &Screening, meta: &ReportMeta) {
    doc.heading(TITLE, 20.0);
    doc.paragraph(&plan.catalog.name, 12.0, BLACK, 0.0);
    doc.gap(8.0);
    let screened = screening.screened().count();
    let unscreened = screening.unscreened().count();
    let has_units = plan.catalog.layers.iter().any(|l| l.rule == Rule::Units);
    let mut rows = vec![cells(["规划", &plan.catalog.name])];
    if let Some(case) = &meta.case {
        let c = &case.case;
        rows.push(cells([
            "案卷",
            &format!(
                "受理编号 {}　项目名称 {}{}　审查意见 {} 条（与工具判定并列，见第五节）",
                c.number,
                c.name,
                if c.applicant.is_empty() {
                    String::new()
                } else {
                    format!("　申请单位 {}", c.applicant)
                },
                case.decisions.len()
            ),
        ]));
    }
    rows.extend([
        cells(["报告时间", &meta.time.display_zh()]),
        cells(["操作人", &meta.operator]),
        cells(["工具版本", &format!("redline {}", meta.tool_version)]),
        cells([
            "工作坐标系",
            &format!(
                "{}（所有面积、距离均在此投影坐标系中计算）",
                plan.catalog.working_crs
            ),
        ]),
    ]);
    if let Some(basemap) = &meta.basemap {
        let b = &basemap.basemap;
        let date = match &b.date {
            Some(date) => format!("瓦片日期 {date}"),
            None => "瓦片取自本机缓存，获取于报告时间之前".to_string(),
        };
        rows.push(cells([
            "底图",
            &format!(
                "{}（{date}）{}；按原网格重投影至工作坐标系，以 {:.0}% 浓度印于总览图与各地块图之下，仅用本机已有的瓦片（缓存或离线瓦片包），无瓦片之处留白。底图仅供定位，不参与任何计算。",
                b.name,
                if b.attribution.is_empty() { String::new() } else { format!("，{}", b.attribution) },
                basemap.opacity * 100.0
            ),
        ]));
    }
    rows.extend([
        cells(["筛查地块", &{
            let sketched = match meta.sketches.len() {
                0 => String::new(),
                n => format!("；其中 {n} 个为在查看器中手绘的地块，见第三节"),
            };
            format!("{screened} 个（另有 {unscreened} 个未能筛查，见附录二{sketched}）")
        }]),
        cells([
            "判定规则",
            &format!(
                "地块结论取其各项发现中最严重者：不符合 > 需论证 > 符合。禁止类图层有重叠即不符合，限制类图层有重叠即需论证，河道退距小于下限不符合、介于上下限之间需论证；重叠面积不超过 {} m² 视为边界接触，不改变结论。地块完全位于规划范围之外时结论为“范围外”（最严重）：规划对其所在之处无从判定，多为坐标或坐标系有误。{}",
                two_decimals(plan.catalog.sliver_m2.max(crate::screen::MIN_REPORTED_OVERLAP_M2)),
                if has_units { ADMISSION_RULE } else { "" }
            ),
        ]),
    ]);
    if has_units {
        rows.push(cells([
            "准入清单施行日",
            &format!("{}（此日尚未施行的准入条款不适用）", plan.in_force_on),
        ]));
    }
    let two = [
        Column {
            title: "项目",
            share: 1.0,
            align: Align::Left,
        },
        Column {
            title: "内容",
            share: 5.0,
            align: Align::Left,
        },
    ];
    table(doc, &two, &rows, 8.5, CONTENT_W);

    doc.heading("总览图", 12.0);
    map::overview_figure(doc, plan, screening, 240.0, meta.basemap.as_ref());

    doc.heading("一、筛查结论汇总", 12.0);
    let count_rows: Vec<Vec<String>> = Verdict::WORST_FIRST
        .iter()
        .map(|v| {
            vec![
                format!("{}（{}）", v.label_zh(), v.keyword()),
                screening.count(*v).to_string(),
            ]
        })
        .chain(std::iter::once(vec![
            "未筛查（error）".to_string(),
            unscreened.to_string(),
        ]))
        .collect();
    let count_columns = [
        Column {
            title: "结论",
            share: 3.0,
            align: Align::Left,
        },
        Column {
            title: "地块数",
            share: 1.0,
            align: Align::Right,
        },
    ];
    table(doc, &count_columns, &count_rows, 8.5, CONTENT_W * 0.5);

    doc.heading("二、各图层重叠与退距情况", 12.0);
    let layer_rows: Vec<Vec<String>> = plan
        .catalog
        .layers
        .iter()
        .enumerate()
        .filter(|(_, spec)| spec.rule != Rule::Display)
        .map(|(l, spec)| {
            let findings: Vec<_> = screening
                .screened()
                .flat_map(|(_, r)| r.findings.iter())
                .filter(|f| f.zone.layer == l)
                .collect();
            let mut parcels: Vec<usize> = Vec::new();
            for (i, (_, r)) in screening.screened().enumerate() {
                if r.findings.iter().any(|f| f.zone.layer == l) {
                    parcels.push(i);
                }
            }
            let overlap: f64 = findings.iter().filter_map(|f| f.overlap_m2).sum();
            let nearest = findings
                .iter()
                .filter_map(|f| f.distance_m)
                .reduce(f64::min);
            vec![
                spec.name.clone(),
                format!("{}（{}）", spec.rule.label_zh(), spec.rule.keyword()),
                parcels.len().to_string(),
                match spec.rule {
                    Rule::Setback { .. } => "—".to_string(),
                    _ => two_decimals(overlap),
                },
                nearest.map(water_cell).unwrap_or_else(|| "—".to_string()),
            ]
        })
        .collect();
    let layer_columns = [
        Column {
            title: "图层",
            share: 3.2,
            align: Align::Left,
        },
        Column {
            title: "规则",
            share: 1.6,
            align: Align::Left,
        },
        Column {
            title: "涉及地块",
            share: 1.0,
            align: Align::Right,
        },
        Column {
            title: "重叠面积合计（m²）",
            share: 1.8,
            align: Align::Right,
        },
        Column {
            title: "最近距离（m）",
            share: 1.4,
            align: Align::Right,
        },
    ];
    table(doc, &layer_columns, &layer_rows, 8.5, CONTENT_W);

    doc.heading("三、输入文件及其 SHA-256", 12.0);
    doc.paragraph(
        "以下文件的 SHA-256 摘要可用于日后核验本报告所依据的数据未被改动。",
        8.0,
        GREY,
        0.0,
    );
    let input_rows: Vec<Vec<String>> = meta
        .inputs
        .iter()
        .map(|h| {
            vec![
                h.input.role.clone(),
                h.input.path.display().to_string(),
                h.sha256.clone(),
            ]
        })
        .collect();
    // A hash is copied whole: its column is as wide as the widest hash.
    let size = 6.8;
    let hash_w = meta
        .inputs
        .iter()
        .map(|h| doc.fonts.width(&h.sha256, size))
        .fold(0.0, f32::max)
        + 2.0 * table::PAD
        + 1.0;
    let role_w = 62.0;
    let input_columns = [
        Column {
            title: "类别",
            share: role_w,
            align: Align::Left,
        },
        Column {
            title: "文件",
            share: CONTENT_W - role_w - hash_w,
            align: Align::Left,
        },
        Column {
            title: "SHA-256",
            share: hash_w,
            align: Align::Left,
        },
    ];
    table(doc, &input_columns, &input_rows, size, CONTENT_W);

    if !meta.sketches.is_empty() {
        doc.gap(6.0);
        doc.heading("手绘地块（在查看器中绘制或输入，无文件）", 10.0);
        let rows: Vec<Vec<String>> = meta
            .sketches
            .iter()
            .map(|s| {
                let corners: Vec<String> = s
                    .corners
                    .iter()
                    .map(|(x, y)| format!("{}, {}", two_decimals(*x), two_decimals(*y)))
                    .collect();
                vec![s.id.clone(), s.drawn.clone(), corners.join("; ")]
            })
            .collect();
        let columns = [
            Column {
                title: "地块编号",
                share: 1.0,
                align: Align::Left,
            },
            Column {
                title: "绘制时间",
                share: 1.8,
                align: Align::Left,
            },
            Column {
                title: "角点坐标（工作坐标系 x, y，米）",
                share: 5.0,
                align: Align::Left,
            },
        ];
        table(doc, &columns, &rows, 7.5, CONTENT_W);
    }
}

fn parcel_section(
    doc: &mut Doc,
    plan: &LoadedPlan,
    index: &ZoneIndex,
    number: usize,
    (parcel, result): (&Feature, &ParcelResult),
    basemap: Option<&BasemapInReport>,
) {
    doc.new_page();
    let title = if number == 1 {
        "四、各地块筛查结果".to_string()
    } else {
        String::new()
    };
    if !title.is_empty() {
        doc.heading(&title, 12.0);
    }
    doc.heading(
        &format!("{number}. 地块 {} {}", parcel.id, parcel.name),
        12.5,
    );
    let size = 9.5;
    doc.ensure(size * 1.5);
    let line = format!(
        "结论：{}（{}）    面积：{} m²    要素序号：{}",
        result.verdict.label_zh(),
        result.verdict.keyword(),
        two_decimals(result.area_m2),
        parcel.index
    );
    doc.paragraph(&line, size, verdict_color(result.verdict), 0.0);
    doc.gap(4.0);
    map::map_figure(doc, plan, index, parcel, result, 300.0, basemap);
    doc.gap(6.0);

    let mut findings: Vec<_> = result.findings.iter().collect();
    findings.sort_by_key(|f| std::cmp::Reverse(f.verdict));
    let rows: Vec<Vec<String>> = findings
        .iter()
        .map(|f| {
            let spec = &plan.catalog.layers[f.zone.layer];
            let zone = &plan.layers[f.zone.layer].features[f.zone.feature];
            vec![
                format!("{}：{} {}", spec.name, zone.id, zone.name),
                spec.rule.label_zh().to_string(),
                f.verdict.label_zh().to_string(),
                f.overlap_m2
                    .map(two_decimals)
                    .unwrap_or_else(|| "—".to_string()),
                result
                    .overlap_pct(f)
                    .map(two_decimals)
                    .unwrap_or_else(|| "—".to_string()),
                f.distance_m
                    .map(water_cell)
                    .unwrap_or_else(|| "—".to_string()),
            ]
        })
        .collect();
    let columns = [
        Column {
            title: "管控要素",
            share: 4.0,
            align: Align::Left,
        },
        Column {
            title: "规则",
            share: 0.8,
            align: Align::Left,
        },
        Column {
            title: "结论",
            share: 1.1,
            align: Align::Left,
        },
        Column {
            title: "重叠面积（m²）",
            share: 1.6,
            align: Align::Right,
        },
        Column {
            title: "占地块（%）",
            share: 1.4,
            align: Align::Right,
        },
        Column {
            title: "距水岸线（m）",
            share: 1.5,
            align: Align::Right,
        },
    ];
    table(doc, &columns, &rows, 8.5, CONTENT_W);

    layer_accounts_table(doc, plan, result);
    project_tables(doc, plan, parcel, result);

    doc.heading("规划依据", 10.0);
    let mut layers: Vec<usize> = findings.iter().map(|f| f.zone.layer).collect();
    layers.sort_unstable();
    layers.dedup();
    for l in layers {
        let spec = &plan.catalog.layers[l];
        let basis = if spec.basis.is_empty() {
            "（目录未给出条文）"
        } else {
            &spec.basis
        };
        doc.paragraph(&format!("【{}】“{}”", spec.name, basis), 8.5, BLACK, 0.0);
    }
    for procedure in plan
        .catalog
        .procedures
        .iter()
        .filter(|p| !p.basis.is_empty())
    {
        doc.paragraph(
            &format!("【{}】“{}”", procedure.name, procedure.basis),
            8.5,
            BLACK,
            0.0,
        );
    }
    let notes: Vec<&str> = result.notes_with(parcel).collect();
    if !notes.is_empty() {
        doc.heading("说明", 10.0);
        for note in notes {
            doc.paragraph(note, 8.0, GREY, 0.0);
        }
    }
}

/// Every layer of the plan for the parcel: concerned, not, or without
/// data — the proof that each was checked, not only that nothing was found.
fn layer_accounts_table(doc: &mut Doc, plan: &LoadedPlan, result: &ParcelResult) {
    doc.heading("各图层核查情况", 10.0);
    let rows: Vec<Vec<String>> = layer_accounts(plan, result)
        .iter()
        .map(|a| {
            let spec = &plan.catalog.layers[a.layer];
            vec![
                spec.name.clone(),
                spec.rule.label_zh().to_string(),
                a.status.label_zh().to_string(),
                a.worst
                    .map(FindingVerdict::label_zh)
                    .unwrap_or("—")
                    .to_string(),
                a.overlap_m2
                    .map(two_decimals)
                    .unwrap_or_else(|| "—".to_string()),
                a.distance_m
                    .map(water_cell)
                    .unwrap_or_else(|| "—".to_string()),
            ]
        })
        .collect();
    let columns = [
        Column {
            title: "图层",
            share: 3.2,
            align: Align::Left,
        },
        Column {
            title: "规则",
            share: 0.9,
            align: Align::Left,
        },
        Column {
            title: "核查情况",
            share: 1.4,
            align: Align::Left,
        },
        Column {
            title: "结论",
            share: 1.1,
            align: Align::Left,
        },
        Column {
            title: "重叠面积（m²）",
            share: 1.6,
            align: Align::Right,
        },
        Column {
            title: "距水岸线（m）",
            share: 1.5,
            align: Align::Right,
        },
    ];
    table(doc, &columns, &rows, 8.0, CONTENT_W);
}

/// What the project is, the admission clauses of the units it lies in, and
/// the procedures: shown when the plan has units or procedures, unknown
/// values said to be unknown.
fn project_tables(doc: &mut Doc, plan: &LoadedPlan, parcel: &Feature, result: &ParcelResult) {
    let has_units = plan.catalog.layers.iter().any(|l| l.rule == Rule::Units);
    if !has_units && plan.catalog.procedures.is_empty() {
        return;
    }
    let column = |title, share, align| Column {
        title,
        share,
        align,
    };
    doc.heading("项目情况", 10.0);
    let project = Project::of(parcel, &plan.catalog.project_fields, result.area_m2);
    let described = project.describe();
    // Two attributes a row: ten would make a tall, narrow table.
    let rows: Vec<Vec<String>> = described
        .chunks(2)
        .map(|pair| {
            pair.iter()
                .flat_map(|(a, v)| [a.label_zh().to_string(), v.clone()])
                .collect()
        })
        .collect();
    table(
        doc,
        &[
            column("项目属性", 1.6, Align::Left),
            column("值", 2.2, Align::Left),
            column("项目属性", 1.6, Align::Left),
            column("值", 2.2, Align::Left),
        ],
        &rows,
        8.0,
        CONTENT_W,
    );
    if has_units {
        doc.heading("生态环境准入清单", 10.0);
        if result.admission.is_empty() {
            doc.paragraph(
                "所在管控单元的准入清单中，无适用于本项目或待确认的条款。",
                8.5,
                BLACK,
                0.0,
            );
        } else {
            let rows: Vec<Vec<String>> = result
                .admission
                .iter()
                .map(|m| {
                    let unit = &plan.layers[m.unit.layer].features[m.unit.feature];
                    let clause = &plan.admission[m.unit.layer][m.clause];
                    vec![
                        format!("{} {}", unit.id, unit.name),
                        clause.id.clone(),
                        clause.level.label_zh().to_string(),
                        clause.effect.label_zh().to_string(),
                        m.status.label_zh().to_string(),
                        format!("【{}】{}", clause.dimension, clause.text),
                    ]
                })
                .collect();
            table(
                doc,
                &[
                    column("管控单元", 2.2, Align::Left),
                    column("条款", 0.8, Align::Left),
                    column("层级", 0.6, Align::Left),
                    column("效力", 0.6, Align::Left),
                    column("适用情况", 0.9, Align::Left),
                    column("条款内容", 5.0, Align::Left),
                ],
                &rows,
                7.5,
                CONTENT_W,
            );
        }
    }
    if !result.procedures.is_empty() {
        doc.heading("审批程序", 10.0);
        let rows: Vec<Vec<String>> = result
            .procedures
            .iter()
            .map(|d| {
                vec![
                    plan.catalog.procedures[d.procedure].name.clone(),
                    d.outcome.label_zh().to_string(),
                    d.reason.clone(),
                ]
            })
            .collect();
        table(
            doc,
            &[
                column("程序", 2.0, Align::Left),
                column("结论", 0.8, Align::Left),
                column("依据的项目情况", 6.0, Align::Left),
            ],
            &rows,
            8.0,
            CONTENT_W,
        );
    }
}

/// A decision in one line: what, by whom, when, why, and its entry in
/// the case record.
fn decision_line(decision: &Recorded<DecisionRecord>) -> String {
    let d = &decision.body;
    format!(
        "审查意见：{}。理由：{}（{}，{}，案卷记录第 {} 条{}）",
        d.ruling.label_zh(),
        d.reason,
        decision.entry.operator,
        crate::report::meta::ReportTime {
            unix_seconds: decision.entry.at
        }
        .display_zh(),
        decision.entry.seq,
        d.supersedes
            .map(|s| format!("，取代第 {s} 条"))
            .unwrap_or_default()
    )
}

/// Under a parcel's findings: the officer's decisions on it and on its
/// findings, each beside the verdict the tool computed, which stays as it
/// was found.
fn decisions_beside(
    doc: &mut Doc,
    plan: &LoadedPlan,
    meta: &ReportMeta,
    parcel: &Feature,
    result: &ParcelResult,
) {
    let Some(case) = &meta.case else { return };
    let on_parcel: Vec<_> = case
        .decisions
        .iter()
        .filter(|d| d.body.parcel == parcel.id)
        .collect();
    if on_parcel.is_empty() {
        return;
    }
    doc.heading("审查意见（审查人记录；上表为工具判定，未改动）", 10.0);
    for decision in on_parcel {
        let target = match &decision.body.finding {
            None => format!("地块 {}", parcel.id),
            Some(key) => format!("发现 {key}"),
        };
        let color = match decision.body.ruling {
            Ruling::Override(_) => Color(150, 0, 150),
            _ => BLACK,
        };
        doc.paragraph(
            &format!(
                "{target}　工具判定 {}　{}",
                tool_verdict(plan, Some(result), &decision.body),
                decision_line(decision)
            ),
            8.5,
            color,
            0.0,
        );
    }
}

/// Every decision that stands on the case, beside the tool's verdict.
fn decisions_section(doc: &mut Doc, plan: &LoadedPlan, case: &CaseInReport, screening: &Screening) {
    doc.new_page();
    doc.heading("五、审查意见（审查人记录，与工具判定并列）", 12.0);
    doc.paragraph(
        "审查意见由审查人记录于案卷数据库，只增不改：更正即新增一条并取代前条，每条带前一条的哈希（哈希链），redline history --verify 可查出任何改动或删除。工具判定为本次筛查计算所得，不因审查意见而改变。",
        8.0,
        GREY,
        0.0,
    );
    if case.decisions.is_empty() {
        doc.paragraph("本案卷尚无审查意见。", 9.0, BLACK, 0.0);
        return;
    }
    let rows: Vec<Vec<String>> = case
        .decisions
        .iter()
        .map(|d| {
            let result = screened_result(screening, &d.body.parcel);
            vec![
                d.body.parcel.clone(),
                d.body
                    .finding
                    .as_ref()
                    .map_or("地块".to_string(), |k| k.to_string()),
                tool_verdict(plan, result, &d.body),
                d.body.ruling.label_zh(),
                d.body.reason.clone(),
                format!(
                    "{}，{}",
                    d.entry.operator,
                    crate::report::meta::ReportTime {
                        unix_seconds: d.entry.at
                    }
                    .display_zh()
                ),
                format!("#{}", d.entry.seq),
            ]
        })
        .collect();
    let columns = [
        Column {
            title: "地块",
            share: 1.4,
            align: Align::Left,
        },
        Column {
            title: "对象",
            share: 1.6,
            align: Align::Left,
        },
        Column {
            title: "工具判定",
            share: 1.0,
            align: Align::Left,
        },
        Column {
            title: "审查意见",
            share: 1.1,
            align: Align::Left,
        },
        Column {
            title: "理由",
            share: 3.0,
            align: Align::Left,
        },
        Column {
            title: "审查人、时间",
            share: 1.6,
            align: Align::Left,
        },
        Column {
            title: "记录",
            share: 0.6,
            align: Align::Right,
        },
    ];
    table(doc, &columns, &rows, 8.0, CONTENT_W);
}

fn appendices(doc: &mut Doc, plan: &LoadedPlan, screening: &Screening) {
    doc.new_page();
    doc.heading("附录一  结论为“范围外”或“符合”的地块", 12.0);
    let listed: Vec<Vec<String>> = screening
        .screened()
        .filter(|(_, r)| matches!(r.verdict, Verdict::Outside | Verdict::Clear))
        .map(|(p, r)| {
            let remark = match (r.verdict, r.findings.is_empty()) {
                (Verdict::Outside, _) => "位于规划范围之外，规划不能判定为符合（见附录二）",
                (_, true) => "未触及任何管控要素",
                (_, false) => "仅边界接触，见正文",
            };
            vec![
                p.id.clone(),
                p.name.clone(),
                two_decimals(r.area_m2),
                r.verdict.label_zh().to_string(),
                remark.to_string(),
            ]
        })
        .collect();
    let columns = [
        Column {
            title: "地块编号",
            share: 1.5,
            align: Align::Left,
        },
        Column {
            title: "名称",
            share: 3.0,
            align: Align::Left,
        },
        Column {
            title: "面积（m²）",
            share: 1.3,
            align: Align::Right,
        },
        Column {
            title: "结论",
            share: 0.8,
            align: Align::Left,
        },
        Column {
            title: "说明",
            share: 2.6,
            align: Align::Left,
        },
    ];
    if listed.is_empty() {
        doc.paragraph("（无）", 9.0, BLACK, 0.0);
    } else {
        table(doc, &columns, &listed, 8.5, CONTENT_W);
    }

    doc.heading(
        "附录二  几何无效、已修复、位于规划范围外或未能使用的要素",
        12.0,
    );
    doc.paragraph(
        "无效几何按 GEOS/PostGIS MakeValid 的方式修复后参与计算；无法使用的要素未参与筛查。",
        8.0,
        GREY,
        0.0,
    );
    let mut rows: Vec<Vec<String>> = Vec::new();
    for (parcel, result) in screening.screened() {
        for note in result.data_notes_with(parcel) {
            rows.push(vec![
                "地块".to_string(),
                format!("{} {}", parcel.id, parcel.name),
                note.to_string(),
            ]);
        }
    }
    for problem in screening.unscreened() {
        rows.push(vec![
            "地块（未筛查）".to_string(),
            problem.locator(),
            format!("{}: {}", problem.path.display(), problem.message),
        ]);
    }
    for (spec, layer) in plan.catalog.layers.iter().zip(&plan.layers) {
        for feature in layer.features.iter().filter(|f| !f.notes.is_empty()) {
            rows.push(vec![
                format!("图层 {}", spec.id),
                format!("{} {}", feature.id, feature.name),
                feature.notes.join("; "),
            ]);
        }
    }
    for problem in plan.problems() {
        rows.push(vec![
            "图层（未使用）".to_string(),
            problem.locator(),
            format!("{}: {}", problem.path.display(), problem.message),
        ]);
    }
    let columns = [
        Column {
            title: "类别",
            share: 1.3,
            align: Align::Left,
        },
        Column {
            title: "要素",
            share: 2.2,
            align: Align::Left,
        },
        Column {
            title: "问题与处理",
            share: 5.0,
            align: Align::Left,
        },
    ];
    if rows.is_empty() {
        doc.paragraph("（无）", 9.0, BLACK, 0.0);
    } else {
        table(doc, &columns, &rows, 8.0, CONTENT_W);
    }
}
