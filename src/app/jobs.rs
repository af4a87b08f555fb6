//! Work the viewer runs on worker threads — loading a plan, refining a
//! layer, screening parcels, writing a report — and what each hands back.
//! The UI polls them each frame and never waits for one.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, OnceLock};

use eframe::egui::Context;

use crate::pipeline::ParcelSource;
use crate::screen::Screening;

use super::gpu::GpuMesh;
use super::map::Levels;
use super::parcels::{record_screening, screen_sources, Recorder, ScreenedSources};
use super::plan_data::PlanData;

/// What a finished job hands back to the UI thread.
pub enum JobOutput {
    Plan(Result<Arc<PlanData>, String>),
    /// Parcels read, not yet screened: a dot for each, shown meanwhile.
    ParcelPreview(Vec<GpuMesh>),
    /// Parcel files screened and made ready for drawing.
    Parcels(Box<ScreenedSources>),
    /// A report written, or why not.
    Written(Result<PathBuf, String>),
    /// A layer's fine levels of detail made (they are in its graphic).
    Refined,
}

/// Work running on a worker thread; the UI polls it each frame.
pub struct Job {
    pub label_zh: &'static str,
    pub label_en: &'static str,
    pub done: Arc<AtomicUsize>,
    pub total: Arc<AtomicUsize>,
    pub output: mpsc::Receiver<JobOutput>,
    /// It only adds detail to the map (a layer's levels of detail): the
    /// officer need not wait for it to screen or open anything.
    pub drawing_only: bool,
}

impl Job {
    /// Done fraction, when the total is known.
    pub fn progress(&self) -> Option<f32> {
        let total = self.total.load(Ordering::Relaxed);
        (total > 0).then(|| self.done.load(Ordering::Relaxed) as f32 / total as f32)
    }

    /// Runs `work` on a thread of its own. Besides its result it may hand the
    /// UI outputs on the way (`early`), e.g. parcels to show before they are
    /// screened.
    fn spawn(
        ctx: &Context,
        label_zh: &'static str,
        label_en: &'static str,
        work: impl FnOnce(&AtomicUsize, &AtomicUsize, &dyn Fn(JobOutput)) -> JobOutput + Send + 'static,
    ) -> Job {
        let (tx, rx) = mpsc::channel();
        let done = Arc::new(AtomicUsize::new(0));
        let total = Arc::new(AtomicUsize::new(0));
        let (job_done, job_total) = (done.clone(), total.clone());
        let ctx = ctx.clone();
        std::thread::spawn(move || {
            // The receiver is gone only when the app closed; nothing to report then.
            let early = |output: JobOutput| {
                let _ = tx.send(output);
                ctx.request_repaint();
            };
            let output = work(&job_done, &job_total, &early);
            let _ = tx.send(output);
            // Closed before the repaint, so that the UI then sees the job end.
            drop(tx);
            ctx.request_repaint();
        });
        Job {
            label_zh,
            label_en,
            done,
            total,
            output: rx,
            drawing_only: false,
        }
    }

    pub fn load_plan(ctx: &Context, catalog: PathBuf) -> Job {
        Job::spawn(
            ctx,
            "正在读取规划图层",
            "Loading plan layers",
            move |_, _, _| JobOutput::Plan(PlanData::load(&catalog).map(Arc::new)),
        )
    }

    /// Makes the middle or fine levels of detail of a plan's layer. The
    /// middle ones, made as the plan is shown, use every core as the
    /// loading did (on the refining thread, which screening parcels starves,
    /// everything was loaded seconds later); the fine ones, asked for as
    /// the map is zoomed, the refining thread (see [`refining_thread`]),
    /// after those asked for before.
    pub fn refine(ctx: &Context, plan: Arc<PlanData>, layer: usize, which: Levels) -> Job {
        let job = Job::spawn(
            ctx,
            "正在细化图层",
            "Refining a layer",
            move |_, _, _| {
                if let (Some(graphic), Some(source)) =
                    (plan.layers.get(layer), plan.plan.layers.get(layer))
                {
                    let make = || graphic.make(&plan.frame, source, which);
                    match refining_thread().filter(|_| which == Levels::Fine) {
                        Some(thread) => thread.install(make),
                        None => make(),
                    }
                }
                JobOutput::Refined
            },
        );
        Job {
            drawing_only: true,
            ..job
        }
    }

    pub fn write(
        ctx: &Context,
        write: impl FnOnce() -> Result<PathBuf, String> + Send + 'static,
    ) -> Job {
        Job::spawn(
            ctx,
            "正在写出报告",
            "Writing the report",
            move |_, _, _| JobOutput::Written(write()),
        )
    }

    /// Screens parcel files; `kept` (sketched parcels) come after them.
    /// The screening is recorded in the case record `recorder` names.
    pub fn screen(
        ctx: &Context,
        plan: Arc<PlanData>,
        sources: Vec<ParcelSource>,
        kept: Screening,
        recorder: Recorder,
    ) -> Job {
        Job::spawn(
            ctx,
            "正在筛查地块",
            "Screening parcels",
            move |done, total, early| {
                let preview = |dots| early(JobOutput::ParcelPreview(dots));
                let mut screened = screen_sources(&plan, sources, kept, done, total, &preview);
                match record_screening(&plan.plan, &screened, &recorder) {
                    Ok(recorded) => screened.recorded = recorded,
                    Err(e) => screened.errors.push(format!(
                        "本次筛查未记入案卷记录 this screening was not recorded in the case record: {e}"
                    )),
                }
                JobOutput::Parcels(Box::new(screened))
            },
        )
    }
}

/// Nice value of the refining thread: well below the UI's, so that a frame
/// (and a software GL's rasteriser) takes a core from it at once, yet not
/// the lowest, so that the fine levels still come while the map is flown.
#[cfg(target_os = "linux")]
const REFINING_NICE: i32 = 10;

/// The one thread that makes layers' fine levels of detail, at a lower
/// priority: the map is being zoomed meanwhile, and every layer in view
/// asks at once — each on a thread of its own, four layers took both
/// cores from the frames.
fn refining_thread() -> Option<&'static rayon::ThreadPool> {
    static THREAD: OnceLock<Option<rayon::ThreadPool>> = OnceLock::new();
    THREAD
        .get_or_init(|| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(1)
                .thread_name(|_| "redline-refine".to_string())
                .start_handler(|_| lower_this_threads_priority())
                .build()
                .ok()
        })
        .as_ref()
}

#[cfg(target_os = "linux")]
pub fn lower_this_threads_priority() {
    // On Linux a nice value is the calling thread's own (setpriority(2), NOTES).
    // SAFETY: plain system call on the calling thread; a failure leaves the priority as it was.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, REFINING_NICE);
    }
}

#[cfg(not(target_os = "linux"))]
pub fn lower_this_threads_priority() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_asked_at_once_are_refined_in_turn_on_one_lowered_thread() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let plan = Arc::new(PlanData::load(&root.join("layers/catalog.toml")).unwrap());
        let ctx = Context::default();
        // Loaded, a plan's middle levels are asked for; a zoom to street
        // scale then asks for every layer's fine ones in one frame.
        let jobs: Vec<Job> = [Levels::Middle, Levels::Fine]
            .into_iter()
            .flat_map(|which| (0..plan.layers.len()).map(move |layer| (which, layer)))
            .map(|(which, layer)| Job::refine(&ctx, plan.clone(), layer, which))
            .collect();
        for job in &jobs {
            assert!(matches!(job.output.recv(), Ok(JobOutput::Refined)));
        }
        for layer in &plan.layers {
            assert!(layer.middle.get().is_some() && layer.fine.get().is_some());
        }
        let thread = refining_thread().expect("the refining thread starts");
        assert_eq!(thread.current_num_threads(), 1);
        #[cfg(target_os = "linux")]
        {
            // SAFETY: reads the calling (refining) thread's nice value.
            let nice = thread.install(|| unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) });
            assert_eq!(nice, REFINING_NICE);
        }
    }
}
