//! `#[trace]` on methods: every receiver, trait impls and default methods.

use aios_tracing::trace;

#[derive(Clone, Default)]
struct Counter {
    name: String,
    values: Vec<u32>,
}

impl Counter {
    #[trace]
    fn new(name: &str) -> Self {
        Counter {
            name: name.to_owned(),
            values: vec![0],
        }
    }

    #[trace]
    fn name(&self) -> &str {
        &self.name
    }

    #[trace]
    fn first_mut(&mut self) -> &mut u32 {
        &mut self.values[0]
    }

    #[trace(record(by))]
    fn bump(&mut self, by: u32) {
        self.values[0] += by;
    }

    #[trace]
    fn into_name(self) -> String {
        self.name
    }

    #[trace]
    fn boxed(self: Box<Self>) -> usize {
        self.values.len()
    }

    #[trace(attrs = { "counter.name" = self.name.as_str(), "len" = self.values.len() })]
    fn attrs_from_self(&self) -> u32 {
        self.values.iter().sum()
    }
}

trait Describe {
    fn describe(&self) -> String;

    #[trace]
    fn default_method(&self) -> usize {
        self.describe().len()
    }
}

impl Describe for Counter {
    #[trace(kind = internal)]
    fn describe(&self) -> String {
        format!("{} = {:?}", self.name, self.values)
    }
}

struct Generic<T>(T);

impl<T: Clone + std::fmt::Debug> Generic<T> {
    #[trace(record(?extra))]
    fn get<U>(&self, extra: U) -> (T, U)
    where
        U: std::fmt::Debug,
    {
        (self.0.clone(), extra)
    }
}

fn main() {
    let mut counter = Counter::new("c");
    assert_eq!(counter.name(), "c");
    *counter.first_mut() += 1;
    counter.bump(2);
    assert_eq!(counter.attrs_from_self(), 3);
    assert_eq!(counter.describe(), "c = [3]");
    assert_eq!(counter.default_method(), 7);
    assert_eq!(Box::new(counter.clone()).boxed(), 1);
    assert_eq!(counter.into_name(), "c");
    assert_eq!(Generic(1).get("x"), (1, "x"));
}
